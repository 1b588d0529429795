using Microsoft.ML;

namespace Segmentation.Cli.Commands;

/// <summary>What a model command's body gets: ML.NET's context, the run's seed, cancellation (Ctrl+C) and a log the progress line follows.</summary>
internal sealed class CommandContext(int? seed, CancellationToken cancellation)
{
    /// <summary>ML.NET's context, seeded like the run.</summary>
    public MLContext ML { get; } = new(seed);

    /// <summary>The --seed given, or null.</summary>
    public int? Seed { get; } = seed;

    /// <summary>Set by Ctrl+C.</summary>
    public CancellationToken CancellationToken { get; } = cancellation;

    /// <summary>Progress messages from the library (trainers' logs).</summary>
    public event Action<string>? Log;

    /// <summary>Raises <see cref="Log"/>; passed to trainers as their log.</summary>
    public void Write(string message) => Log?.Invoke(message);
}
