namespace Segmentation.Cli.Commands;

/// <summary>Runs a model command's body with a <see cref="CommandContext"/>, its errors mapped to exit codes by <see cref="CommandRunner"/>.</summary>
internal static class ModelCommandRunner
{
    public static int Run(CancellationToken cancellation, int? seed, Func<CommandContext, int> body) =>
        CommandRunner.Run(() => body(new CommandContext(seed, cancellation)));
}
