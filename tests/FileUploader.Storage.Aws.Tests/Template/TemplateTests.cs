using static FileUploader.Storage.Aws.Tests.Template.CloudFormationTemplate;

namespace FileUploader.Storage.Aws.Tests.Template;

/// <summary>The security and operations properties template.yaml promises, read from the file itself.</summary>
public sealed class TemplateTests
{
    private static readonly CloudFormationTemplate Template = CloudFormationTemplate.Load();

    private static readonly HashSet<string> ObjectActions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"];

    /// <summary>What AWS documents as needing <c>"Resource": "*"</c>: X-Ray writes and vended-log delivery setup.</summary>
    private static readonly HashSet<string> ActionsWithoutResourceLevelPermissions =
    [
        "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ];

    public static TheoryData<string> Buckets => [.. Template.ResourcesOfType("AWS::S3::Bucket").Select(b => b.Name)];

    [Theory]
    [MemberData(nameof(Buckets))]
    public void Bucket_PublicAccess_IsBlockedInEveryWay(string bucket)
    {
        var block = Map(Template.Properties(bucket)["PublicAccessBlockConfiguration"]);

        foreach (var setting in new[] { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" })
        {
            Assert.Equal("true", block[setting]);
        }

        Assert.Equal("BucketOwnerEnforced", Str(Map(List(Map(Template.Properties(bucket)["OwnershipControls"])["Rules"]).Single())["ObjectOwnership"]));
    }

    [Theory]
    [MemberData(nameof(Buckets))]
    public void Bucket_DefaultEncryption_IsOn(string bucket)
    {
        var rule = Map(List(Map(Template.Properties(bucket)["BucketEncryption"])["ServerSideEncryptionConfiguration"]).Single());

        Assert.Contains(Str(Map(rule["ServerSideEncryptionByDefault"])["SSEAlgorithm"]), new[] { "AES256", "aws:kms", "aws:kms:dsse" });
    }

    [Theory]
    [MemberData(nameof(Buckets))]
    public void Bucket_Policy_DeniesEveryRequestWithoutTls(string bucket)
    {
        var policy = Template.ResourcesOfType("AWS::S3::BucketPolicy").Single(p => RefTarget(p.Properties["Bucket"]) == bucket).Properties;

        var deny = List(Map(policy["PolicyDocument"])["Statement"]).Select(Map).Single(s => Str(s["Effect"]) == "Deny");

        Assert.Equal("*", deny["Principal"]);
        Assert.Equal("s3:*", deny["Action"]);
        Assert.Equal("false", Map(Map(Map(deny["Condition"])["Bool"]))["aws:SecureTransport"]);
        var resources = OneOrMany(deny["Resource"]).ToList();
        Assert.Contains(resources, r => GetAttTarget(r) == bucket + ".Arn");
        Assert.Contains(resources, r => SubText(r) == "${" + bucket + ".Arn}/*");
    }

    [Fact]
    public void FilesBucket_Operations_LogsAccessHasBackstopsAndSendsEventsWithoutVersioning()
    {
        var bucket = Template.Properties("FilesBucket");

        Assert.Equal("AccessLogBucket", RefTarget(Map(bucket["LoggingConfiguration"])["DestinationBucketName"]));
        Assert.Equal("true", Map(Map(bucket["NotificationConfiguration"])["EventBridgeConfiguration"])["EventBridgeEnabled"]);
        // Versioning would keep "deleted" bytes as noncurrent versions: expiry must really delete.
        Assert.False(bucket.ContainsKey("VersioningConfiguration"));

        var rules = List(Map(bucket["LifecycleConfiguration"])["Rules"]).Select(Map).ToList();
        var staging = Assert.Single(rules, r => r.GetValueOrDefault("Prefix") as string == "staging/");
        Assert.Equal("1", staging["ExpirationInDays"]);
        var files = Assert.Single(rules, r => r.GetValueOrDefault("Prefix") as string == "files/");
        Assert.Equal("FilesBackstopDays", RefTarget(files["ExpirationInDays"]));
        Assert.Contains(rules, r => r.ContainsKey("AbortIncompleteMultipartUpload"));
        Assert.All(rules, r => Assert.Equal("Enabled", r["Status"]));

        // The files backstop is whole days and must not cut a link short: it must outlast the longest link.
        var parameters = Map(Template.Root["Parameters"]);
        var backstopDays = int.Parse(Str(Map(parameters["FilesBackstopDays"])["Default"]), System.Globalization.CultureInfo.InvariantCulture);
        var maxLinkSeconds = long.Parse(Str(Map(parameters["MaxLinkTtlSeconds"])["MaxValue"]), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(TimeSpan.FromDays(backstopDays) > TimeSpan.FromSeconds(maxLinkSeconds));
    }

    [Fact]
    public void CatalogTable_IsOnDemandWithTtlOnTheTtlAttributeAndPointInTimeRecovery()
    {
        var table = Template.Properties("CatalogTable");

        Assert.Equal("PAY_PER_REQUEST", table["BillingMode"]);
        Assert.Equal("ttl", Map(table["TimeToLiveSpecification"])["AttributeName"]);
        Assert.Equal("true", Map(table["TimeToLiveSpecification"])["Enabled"]);
        Assert.Equal("true", Map(table["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"]);
        var key = Map(Assert.Single(List(table["KeySchema"])));
        Assert.Equal("id", key["AttributeName"]);
        Assert.Equal("HASH", key["KeyType"]);
    }

    [Fact]
    public void Iam_EveryPolicy_IsAnInlineDocumentAndNoneIsAFullAccessPolicy()
    {
        foreach (var (owner, policy) in PolicyItems())
        {
            // Managed names and SAM policy templates would hide their actions from the checks below.
            Assert.False(policy is string, $"{owner} uses the managed policy {policy}");
            Assert.True(Map(policy).ContainsKey("Statement") || Map(policy).ContainsKey("PolicyDocument"), $"{owner} uses a policy template");
        }

        var allText = Descendants(Template.Resources).OfType<string>();
        Assert.DoesNotContain(allText, s => s.Contains("FullAccess", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(Template.ResourcesOfType("AWS::IAM::Role"), r => r.Properties.ContainsKey("ManagedPolicyArns"));
    }

    [Fact]
    public void Iam_AllowStatements_NameEveryActionWithoutWildcards()
    {
        var statements = AllowStatements().ToList();

        Assert.NotEmpty(statements);
        foreach (var (owner, statement) in statements)
        {
            Assert.False(statement.ContainsKey("NotAction"), $"{owner}: NotAction");
            Assert.False(statement.ContainsKey("NotResource"), $"{owner}: NotResource");
            Assert.All(OneOrMany(statement["Action"]).Select(Str), action => Assert.DoesNotContain('*', action));
        }
    }

    [Fact]
    public void Iam_WildcardResources_OnlyForActionsThatHaveNoResourceLevelPermissions()
    {
        foreach (var (owner, statement) in AllowStatements().Where(s => OneOrMany(s.Statement["Resource"]).Contains("*")))
        {
            Assert.All(
                OneOrMany(statement["Action"]).Select(Str),
                action => Assert.True(ActionsWithoutResourceLevelPermissions.Contains(action), $"{owner}: {action} on *"));
        }
    }

    [Fact]
    public void Iam_ObjectPermissions_AreScopedToStagingOrFilesOfTheFilesBucket()
    {
        var objectStatements = IdentityAllowStatements()
            .Where(s => OneOrMany(s.Statement["Action"]).Select(Str).Any(ObjectActions.Contains))
            .ToList();

        Assert.NotEmpty(objectStatements);
        foreach (var (owner, statement) in objectStatements)
        {
            Assert.All(
                OneOrMany(statement["Resource"]),
                resource => Assert.Contains(SubText(resource), new[] { "${FilesBucket.Arn}/staging/*", "${FilesBucket.Arn}/files/*" }));
            Assert.All(OneOrMany(statement["Action"]).Select(Str), action => Assert.Contains(action, ObjectActions));
        }

        Assert.All(
            IdentityAllowStatements().Where(s => OneOrMany(s.Statement["Action"]).Contains("s3:ListBucket")),
            s => Assert.Equal("FilesBucket.Arn", GetAttTarget(s.Statement["Resource"])));
    }

    [Fact]
    public void Iam_TablePermissions_AreItemOperationsOnTheCatalogTableOnly()
    {
        var tableStatements = IdentityAllowStatements()
            .Where(s => OneOrMany(s.Statement["Action"]).Select(Str).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            .ToList();

        Assert.NotEmpty(tableStatements);
        foreach (var (owner, statement) in tableStatements)
        {
            Assert.Equal("CatalogTable.Arn", GetAttTarget(statement["Resource"]));
            Assert.All(
                OneOrMany(statement["Action"]).Select(Str),
                action => Assert.Contains(action, new[] { "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem" }));
        }
    }

    [Fact]
    public void Iam_StepFunctionsPermissions_NameTheirStateMachineOrItsExecutions()
    {
        var statements = IdentityAllowStatements()
            .Where(s => OneOrMany(s.Statement["Action"]).Select(Str).Any(a => a.StartsWith("states:", StringComparison.Ordinal)))
            .ToList();

        Assert.NotEmpty(statements);
        foreach (var (owner, statement) in statements)
        {
            Assert.All(OneOrMany(statement["Resource"]), resource => Assert.True(
                RefTarget(resource) is "UploadStateMachine" or "ExpiryStateMachine"
                    || SubText(resource) == "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${UploadStateMachine.Name}:*"
                    || SubText(resource) == "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${ExpiryStateMachine.Name}:*",
                $"{owner}: states permission on {resource}"));
        }
    }

    [Fact]
    public void Functions_All_RunTheAotBootstrapOnProvidedAl2023WithActiveTracingAndARetainedLogGroup()
    {
        var globals = Map(Map(Template.Root["Globals"])["Function"]);
        Assert.Equal("provided.al2023", globals["Runtime"]);
        Assert.Equal("Active", globals["Tracing"]);
        Assert.Contains(Str(List(globals["Architectures"]).Single()), new[] { "x86_64", "arm64" });
        var makefile = File.ReadAllText(Path.Combine(RepositoryRoot, Str(globals["CodeUri"]), "Makefile"));

        var functions = Template.ResourcesOfType("AWS::Serverless::Function").ToList();
        Assert.NotEmpty(functions);
        foreach (var (name, properties) in functions)
        {
            Assert.Equal("makefile", Map(Map(Template.Resources[name])["Metadata"])["BuildMethod"]);
            Assert.Contains($"build-{name}", makefile, StringComparison.Ordinal);
            Assert.False(properties.ContainsKey("Runtime") || properties.ContainsKey("Tracing") || properties.ContainsKey("CodeUri"), $"{name} overrides the globals");
            var logGroup = RefTarget(Map(properties["LoggingConfig"])["LogGroup"]);
            Assert.NotNull(logGroup);
            Assert.Equal("LogRetentionDays", RefTarget(Template.Properties(logGroup)["RetentionInDays"]));
        }

        Assert.Contains("PublishAot=true", makefile, StringComparison.Ordinal);
        Assert.Contains("$(ARTIFACTS_DIR)/bootstrap", makefile, StringComparison.Ordinal);
    }

    [Fact]
    public void LogGroups_All_HaveARetention()
    {
        var groups = Template.ResourcesOfType("AWS::Logs::LogGroup").ToList();

        Assert.True(groups.Count >= 3);
        Assert.All(groups, g => Assert.Equal("LogRetentionDays", RefTarget(g.Properties["RetentionInDays"])));
    }

    [Fact]
    public void StateMachines_Both_AreStandardWithTracingAndLoggingToARetainedGroup()
    {
        var machines = Template.ResourcesOfType("AWS::Serverless::StateMachine").ToList();

        Assert.Equal(["ExpiryStateMachine", "UploadStateMachine"], machines.Select(m => m.Name).Order(StringComparer.Ordinal));
        foreach (var (name, properties) in machines)
        {
            // The expiry workflow waits an hour or more; Express executions stop at five minutes.
            Assert.Equal("STANDARD", properties["Type"]);
            Assert.Equal("true", Map(properties["Tracing"])["Enabled"]);
            var logging = Map(properties["Logging"]);
            var group = GetAttTarget(Map(Map(List(logging["Destinations"]).Single())["CloudWatchLogsLogGroup"])["LogGroupArn"]);
            Assert.EndsWith(".Arn", group, StringComparison.Ordinal);
            Assert.Equal("AWS::Logs::LogGroup", Map(Template.Resources[group![..^4]])["Type"]);
            Assert.True(File.Exists(Path.Combine(RepositoryRoot, Str(properties["DefinitionUri"]))), $"{name}: {properties["DefinitionUri"]} is missing");
        }
    }

    [Fact]
    public void StagedObjectRule_ObjectCreatedUnderStaging_StartsTheUploadWorkflowWithTheObjectKey()
    {
        var rule = Template.Properties("StagedObjectCreatedRule");
        var pattern = Map(rule["EventPattern"]);
        var target = Map(List(rule["Targets"]).Single());

        Assert.Equal(["aws.s3"], List(pattern["source"]));
        Assert.Equal(["Object Created"], List(pattern["detail-type"]));
        var detail = Map(pattern["detail"]);
        Assert.Equal("FilesBucket", RefTarget(List(Map(detail["bucket"])["name"]).Single()));
        Assert.Equal("staging/", Map(List(Map(detail["object"])["key"]).Single())["prefix"]);
        Assert.Equal("UploadStateMachine", RefTarget(target["Arn"]));
        var transformer = Map(target["InputTransformer"]);
        Assert.Equal("$.detail.object.key", Map(transformer["InputPathsMap"])["key"]);
        Assert.Equal("{\"uploadId\": <key>}", transformer["InputTemplate"]);

        // The rule's role may start exactly that state machine.
        var role = GetAttTarget(target["RoleArn"])![..^4];
        var statement = Map(List(Map(Map(List(Template.Properties(role)["Policies"]).Single())["PolicyDocument"])["Statement"]).Single());
        Assert.Equal(["states:StartExecution"], OneOrMany(statement["Action"]));
        Assert.Equal("UploadStateMachine", RefTarget(statement["Resource"]));
    }

    [Fact]
    public void HttpApi_ApiFunction_ServesEveryPathWithAccessLogsAndThrottling()
    {
        var api = Template.Properties("HttpApi");
        var events = Map(Template.Properties("ApiFunction")["Events"]).Values.Select(Map).ToList();

        Assert.Equal("HttpApiAccessLogGroup.Arn", GetAttTarget(Map(api["AccessLogSettings"])["DestinationArn"]));
        var throttling = Map(api["DefaultRouteSettings"]);
        Assert.Equal("ApiThrottleRate", RefTarget(throttling["ThrottlingRateLimit"]));
        Assert.Equal("ApiThrottleBurst", RefTarget(throttling["ThrottlingBurstLimit"]));
        Assert.Contains(events, e => Str(e["Type"]) == "HttpApi" && Str(Map(e["Properties"])["Path"]) == "/{proxy+}");
        Assert.All(events, e => Assert.Equal("HttpApi", RefTarget(Map(e["Properties"])["ApiId"])));
    }

    [Fact]
    public void Outputs_NameTheApiTheStorageAndTheWorkflows()
    {
        var outputs = Map(Template.Root["Outputs"]);

        Assert.Superset(
            new HashSet<string> { "ApiUrl", "BucketName", "TableName", "UploadStateMachineArn", "ExpiryStateMachineArn" },
            outputs.Keys.ToHashSet());
    }

    /// <summary>Every policy attached to a function, state machine or role, with its owner.</summary>
    private static IEnumerable<(string Owner, object? Policy)> PolicyItems()
    {
        foreach (var (name, resource) in Template.Resources)
        {
            var properties = Map(resource).GetValueOrDefault("Properties") as Dictionary<string, object?> ?? [];
            if (properties.TryGetValue("Policies", out var policies))
            {
                foreach (var policy in OneOrMany(policies))
                {
                    yield return (name, policy);
                }
            }
        }
    }

    /// <summary>Allow statements of identity policies (functions, state machines, roles) and bucket policies.</summary>
    private static IEnumerable<(string Owner, Dictionary<string, object?> Statement)> AllowStatements() =>
        IdentityAllowStatements().Concat(
            Template.ResourcesOfType("AWS::S3::BucketPolicy")
                .SelectMany(p => List(Map(p.Properties["PolicyDocument"])["Statement"]).Select(s => (p.Name, Map(s))))
                .Where(s => Str(s.Item2["Effect"]) == "Allow"));

    private static IEnumerable<(string Owner, Dictionary<string, object?> Statement)> IdentityAllowStatements() =>
        from item in PolicyItems()
        where item.Policy is Dictionary<string, object?>
        let document = Map(item.Policy).TryGetValue("PolicyDocument", out var inner) ? Map(inner) : Map(item.Policy)
        from statement in List(document["Statement"]).Select(Map)
        where Str(statement["Effect"]) == "Allow"
        select (item.Owner, statement);

    [Fact]
    public void UploadStateMachine_StartExecution_IsGrantedToTheEventBridgeRuleAlone()
    {
        // Exactly one starter in AWS: a second one (the API settling a pending upload) would run a second execution
        // of the same upload beside the rule's unnamed one.
        var grantees = Template.Resources
            .Where(r => Descendants(r.Value).OfType<Dictionary<string, object?>>().Any(statement =>
                statement.TryGetValue("Action", out var action)
                && OneOrMany(action).Any(a => a is string s && s == "states:StartExecution")
                && OneOrMany(statement.GetValueOrDefault("Resource")).Any(res => RefTarget(res) == "UploadStateMachine")))
            .Select(r => r.Key)
            .ToList();

        Assert.Equal(["StagedObjectCreatedRuleRole"], grantees);
    }
}
