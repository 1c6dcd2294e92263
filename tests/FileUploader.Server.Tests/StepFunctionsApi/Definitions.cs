namespace FileUploader.Server.Tests.StepFunctionsApi;

/// <summary>State machines the endpoint tests create; none has a Task, as a user trying the endpoint would start.</summary>
internal static class Definitions
{
    public const string Role = "arn:aws:iam::123456789012:role/local";

    /// <summary>Pass → Choice → Map (Choice + Pass per item) → Parallel of two branches.</summary>
    public const string PassChoiceMapParallel = """
        {
          "Comment": "No Task at all",
          "StartAt": "Prepare",
          "States": {
            "Prepare": { "Type": "Pass", "Parameters": { "items.$": "$.items", "label": "run" }, "Next": "Route" },
            "Route": {
              "Type": "Choice",
              "Choices": [ { "Variable": "$.items[0]", "IsPresent": true, "Next": "EachItem" } ],
              "Default": "Empty"
            },
            "Empty": { "Type": "Succeed" },
            "EachItem": {
              "Type": "Map",
              "ItemsPath": "$.items",
              "ItemProcessor": {
                "StartAt": "Sign",
                "States": {
                  "Sign": { "Type": "Choice", "Choices": [ { "Variable": "$", "NumericGreaterThan": 0, "Next": "Positive" } ], "Default": "NotPositive" },
                  "Positive": { "Type": "Pass", "Result": "+", "End": true },
                  "NotPositive": { "Type": "Pass", "Result": "-", "End": true }
                }
              },
              "ResultPath": "$.signs",
              "Next": "Both"
            },
            "Both": {
              "Type": "Parallel",
              "Branches": [
                { "StartAt": "Left", "States": { "Left": { "Type": "Pass", "InputPath": "$.signs", "End": true } } },
                { "StartAt": "Right", "States": { "Right": { "Type": "Pass", "InputPath": "$.label", "End": true } } }
              ],
              "End": true
            }
          }
        }
        """;

    public const string PassChoiceMapParallelInput = """{"items":[3,-1,7]}""";

    public const string PassChoiceMapParallelOutput = """[["+","-","+"],"run"]""";

    /// <summary>Waits an hour: an execution that stays RUNNING until stopped.</summary>
    public const string LongWait = """
        {"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"Next":"Done"},"Done":{"Type":"Succeed"}}}
        """;

    public const string TwoPasses = """
        {"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"step":"a"},"ResultPath":"$.a","Next":"B"},"B":{"Type":"Pass","Result":{"step":"b"},"ResultPath":"$.b","End":true}}}
        """;

    /// <summary>Next names a state that does not exist.</summary>
    public const string MissingTarget = """
        {"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}
        """;
}
