using Microsoft.Extensions.DependencyInjection;

namespace FileUploader.Lambda.Pipeline;

/// <summary>
/// Composes middleware in the order it was added: the first <see cref="Use"/> is the outermost. Built by wrapping
/// the terminal delegate from the last middleware back to the first (AF's DefaultInvocationPipelineBuilder).
/// </summary>
internal sealed class InvocationPipelineBuilder
{
    private readonly List<Func<InvocationDelegate, InvocationDelegate>> _middleware = [];

    public InvocationPipelineBuilder Use(Func<InvocationDelegate, InvocationDelegate> middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    public InvocationDelegate Build(InvocationDelegate terminal)
    {
        ArgumentNullException.ThrowIfNull(terminal);
        var pipeline = terminal;
        for (var i = _middleware.Count - 1; i >= 0; i--)
        {
            pipeline = _middleware[i](pipeline);
        }

        return pipeline;
    }
}

internal static class InvocationPipelineBuilderExtensions
{
    /// <summary>Adds the singleton <typeparamref name="TMiddleware"/> from <paramref name="services"/>.</summary>
    public static InvocationPipelineBuilder UseMiddleware<TMiddleware>(this InvocationPipelineBuilder builder, IServiceProvider services)
        where TMiddleware : class, IInvocationMiddleware
    {
        var middleware = services.GetRequiredService<TMiddleware>();
        return builder.Use(next => context => middleware.InvokeAsync(context, next));
    }
}
