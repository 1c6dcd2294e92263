using Microsoft.AspNetCore.Routing.Matching;

namespace FileUploader.Server.StepFunctionsApi;

/// <summary>Marks an endpoint that only serves requests carrying an <c>X-Amz-Target</c> header.</summary>
internal sealed record AmzTargetMetadata;

/// <summary>
/// Lets the Step Functions endpoint share <c>POST /</c> with other endpoints: routing can match on path and method
/// only, so this policy drops the endpoint from the candidates when the request has no matching
/// <c>X-Amz-Target</c> header, and a plain <c>POST /</c> goes wherever else the app routes it. Any target value
/// keeps it: a request meant for another AWS service gets UnknownOperationException, as AWS answers.
/// </summary>
internal sealed class AmzTargetMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<AmzTargetMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var target = httpContext.Request.Headers["X-Amz-Target"].ToString();
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i)
                && candidates[i].Endpoint.Metadata.GetMetadata<AmzTargetMetadata>() is not null
                && string.IsNullOrEmpty(target))
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
