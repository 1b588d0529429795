using System.Collections;

namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// The tensors of a checkpoint by torchvision's dotted keys (<c>features.0.weight</c>, <c>classifier.1.bias</c>, …),
/// in the checkpoint's order. Loading reads metadata only; each tensor's values are read when asked for.
/// </summary>
/// <remarks>
/// Obtain one with <see cref="Checkpoint.Load(string)"/> (any supported format), <see cref="SafetensorsFile.Read(string)"/>,
/// or build one from <see cref="CheckpointTensor"/>s. Compare it with a model's parameters with <see cref="Check"/>.
/// </remarks>
public sealed class StateDict : IReadOnlyDictionary<string, CheckpointTensor>
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    private readonly CheckpointTensor[] tensors;
    private readonly Dictionary<string, CheckpointTensor> byName;

    /// <summary>Creates a state dict of the given tensors, in the given order.</summary>
    /// <param name="tensors">The tensors; their names become the keys and must be unique.</param>
    /// <param name="metadata">Free-form string metadata (safetensors' <c>__metadata__</c>); none when null.</param>
    /// <exception cref="ArgumentException">Two tensors have the same name.</exception>
    public StateDict(IEnumerable<CheckpointTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        : this(tensors, metadata, null, CheckpointFormat.InMemory)
    {
    }

    internal StateDict(IEnumerable<CheckpointTensor> tensors, IReadOnlyDictionary<string, string>? metadata, string? sourcePath, CheckpointFormat format)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        this.tensors = tensors.ToArray();
        byName = new Dictionary<string, CheckpointTensor>(this.tensors.Length, StringComparer.Ordinal);
        foreach (var tensor in this.tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            if (!byName.TryAdd(tensor.Name, tensor))
                throw new ArgumentException($"Two tensors are named '{tensor.Name}'; state dict keys must be unique.", nameof(tensors));
        }
        Metadata = metadata is null ? NoMetadata : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
        SourcePath = sourcePath;
        Format = format;
    }

    /// <summary>The file it was loaded from, or the name given with a stream; null when built in memory.</summary>
    public string? SourcePath { get; }

    /// <summary>The format it was read from.</summary>
    public CheckpointFormat Format { get; }

    /// <summary>String metadata: safetensors' <c>__metadata__</c>; empty for PyTorch checkpoints.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The tensors in checkpoint order.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors => tensors;

    /// <summary>The number of tensors.</summary>
    public int Count => tensors.Length;

    /// <summary>The keys in checkpoint order.</summary>
    public IEnumerable<string> Keys => tensors.Select(t => t.Name);

    /// <summary>The tensors in checkpoint order.</summary>
    public IEnumerable<CheckpointTensor> Values => tensors;

    /// <summary>The tensor with the given key.</summary>
    /// <exception cref="KeyNotFoundException">There is no such key; the message suggests keys that share its last component.</exception>
    public CheckpointTensor this[string key] => TryGetValue(key, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"The state dict{(SourcePath is null ? "" : $" of '{SourcePath}'")} has no tensor '{key}'{Suggest(key)}.");

    /// <summary>Whether the key is present.</summary>
    public bool ContainsKey(string key) => byName.ContainsKey(key);

    /// <summary>Looks a tensor up by key.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out CheckpointTensor value) =>
        byName.TryGetValue(key, out value);

    /// <summary>Enumerates key–tensor pairs in checkpoint order.</summary>
    public IEnumerator<KeyValuePair<string, CheckpointTensor>> GetEnumerator() =>
        tensors.Select(t => new KeyValuePair<string, CheckpointTensor>(t.Name, t)).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>
    /// Compares the keys and shapes with a model's: which expected keys are missing, which keys the model does not
    /// expect, and the first key (in checkpoint order) whose shape differs.
    /// </summary>
    /// <param name="expectedShapes">The model's parameter and buffer shapes by key.</param>
    /// <param name="ignore">Keys to leave out on both sides, e.g. <see cref="IsBatchNormCounter"/> or <c>k =&gt; k.StartsWith("classifier.")</c>.</param>
    /// <returns>The report; call <see cref="StateDictReport.ThrowIfMismatched"/> to fail with a typed error.</returns>
    public StateDictReport Check(IReadOnlyDictionary<string, int[]> expectedShapes, Func<string, bool>? ignore = null)
    {
        ArgumentNullException.ThrowIfNull(expectedShapes);
        ignore ??= _ => false;
        var missing = expectedShapes.Keys.Where(k => !ignore(k) && !byName.ContainsKey(k)).ToList();
        var unexpected = new List<string>();
        ShapeMismatch? first = null;
        int mismatches = 0;
        foreach (var tensor in tensors)
        {
            if (ignore(tensor.Name)) continue;
            if (!expectedShapes.TryGetValue(tensor.Name, out var expected))
            {
                unexpected.Add(tensor.Name);
                continue;
            }
            var actual = tensor.Shape;
            if (!actual.AsSpan().SequenceEqual(expected))
            {
                mismatches++;
                first ??= new ShapeMismatch(tensor.Name, expected, actual);
            }
        }
        return new StateDictReport(SourcePath, missing, unexpected, first, mismatches, Checkpoint.DetectArchitecture(this));
    }

    /// <summary>
    /// True for BatchNorm's <c>num_batches_tracked</c> counters, which torchvision checkpoints carry but inference
    /// never uses; pass it as <c>ignore</c> to <see cref="Check"/>.
    /// </summary>
    public static bool IsBatchNormCounter(string key) =>
        key is not null && (key == "num_batches_tracked" || key.EndsWith(".num_batches_tracked", StringComparison.Ordinal));

    private string Suggest(string key)
    {
        string last = key[(key.LastIndexOf('.') + 1)..];
        var similar = tensors.Select(t => t.Name).Where(n => n.EndsWith("." + last, StringComparison.Ordinal)).Take(3).ToList();
        return similar.Count == 0 ? $" ({Count} tensors)" : $"; keys ending in '.{last}' include {string.Join(", ", similar)}";
    }
}
