using System.CommandLine;
using Segmentation.Cli.Commands;

namespace Segmentation.ML.Tests.Data.Downloads;

/// <summary>
/// Runs a <c>segml</c> command in this process through its <c>Create()</c> factory, with output and error
/// captured and cancellation from a token (no Ctrl+C handler is installed in the test host).
/// </summary>
internal static class SegmlCli
{
    public sealed record Run(int ExitCode, string Output, string Error);

    /// <summary>Invokes <c>Segmentation.Cli.Commands.{commandType}.Create()</c> with <paramref name="args"/>.</summary>
    public static async Task<Run> InvokeAsync(string commandType, string[] args, CancellationToken cancellationToken = default)
    {
        Command command = commandType switch
        {
            nameof(DataFetchCommand) => DataFetchCommand.Create(),
            nameof(WeightsFetchCommand) => WeightsFetchCommand.Create(),
            _ => throw new ArgumentException($"No command factory '{commandType}'.", nameof(commandType)),
        };
        var output = new StringWriter();
        var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        int exitCode = await command.Parse(args).InvokeAsync(configuration, cancellationToken);
        return new Run(exitCode, output.ToString(), error.ToString());
    }
}
