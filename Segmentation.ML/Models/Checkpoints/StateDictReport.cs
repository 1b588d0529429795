using System.Text;

namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// How a <see cref="StateDict"/> compares with a model's expected keys and shapes (see <see cref="StateDict.Check"/>).
/// </summary>
public sealed class StateDictReport
{
    /// <summary>How many missing or unexpected key names the message lists before summarising.</summary>
    private const int NamesShown = 5;

    internal StateDictReport(string? sourcePath, IReadOnlyList<string> missingKeys, IReadOnlyList<string> unexpectedKeys,
        ShapeMismatch? firstShapeMismatch, int shapeMismatchCount, string? detectedArchitecture)
    {
        SourcePath = sourcePath;
        MissingKeys = missingKeys;
        UnexpectedKeys = unexpectedKeys;
        FirstShapeMismatch = firstShapeMismatch;
        ShapeMismatchCount = shapeMismatchCount;
        DetectedArchitecture = detectedArchitecture;
    }

    /// <summary>The checkpoint's path, when it was loaded from a file.</summary>
    public string? SourcePath { get; }

    /// <summary>Keys the model expects that the checkpoint lacks, in the model's order.</summary>
    public IReadOnlyList<string> MissingKeys { get; }

    /// <summary>Keys the checkpoint holds that the model does not expect, in checkpoint order.</summary>
    public IReadOnlyList<string> UnexpectedKeys { get; }

    /// <summary>The first key, in checkpoint order, present on both sides with different shapes; null when all agree.</summary>
    public ShapeMismatch? FirstShapeMismatch { get; }

    /// <summary>How many keys are present on both sides with different shapes.</summary>
    public int ShapeMismatchCount { get; }

    /// <summary>The architecture the checkpoint looks like (see <see cref="Checkpoint.DetectArchitecture"/>), for the message.</summary>
    public string? DetectedArchitecture { get; }

    /// <summary>True when no key is missing or unexpected and every shape agrees.</summary>
    public bool IsMatch => MissingKeys.Count == 0 && UnexpectedKeys.Count == 0 && ShapeMismatchCount == 0;

    /// <summary>Throws when the checkpoint does not fit the model.</summary>
    /// <exception cref="CheckpointMismatchException">A key is missing or unexpected, or a shape differs.</exception>
    public void ThrowIfMismatched()
    {
        if (!IsMatch) throw new CheckpointMismatchException(this);
    }

    /// <summary>A one-paragraph summary, the same text as the exception's message.</summary>
    public override string ToString() => Describe();

    internal string Describe()
    {
        var text = new StringBuilder(SourcePath is null ? "The checkpoint " : $"Checkpoint '{SourcePath}' ");
        if (IsMatch) return text.Append("fits the model: every expected key is present with the expected shape.").ToString();
        text.Append("does not fit the model: ");
        if (FirstShapeMismatch is { } first)
        {
            text.Append($"'{first.Key}' has shape {CheckpointTensor.FormatShape(first.ActualShape)} where the model expects " +
                        $"{CheckpointTensor.FormatShape(first.ExpectedShape)}");
            if (ShapeMismatchCount > 1) text.Append($" ({ShapeMismatchCount - 1} more keys differ in shape)");
            text.Append("; ");
        }
        text.Append(Names(MissingKeys, "missing")).Append("; ").Append(Names(UnexpectedKeys, "unexpected")).Append('.');
        text.Append(DetectedArchitecture is null
            ? " Check that the checkpoint was saved from the same architecture, or ignore keys the model does not use."
            : $" The checkpoint looks like {DetectedArchitecture}; check that the model is the same architecture, or ignore keys it does not use.");
        return text.ToString();
    }

    private static string Names(IReadOnlyList<string> keys, string kind)
    {
        if (keys.Count == 0) return $"0 {kind} keys";
        string shown = string.Join(", ", keys.Take(NamesShown));
        string more = keys.Count > NamesShown ? $", … ({keys.Count - NamesShown} more)" : "";
        return $"{keys.Count} {kind} key{(keys.Count == 1 ? "" : "s")} ({shown}{more})";
    }
}

/// <summary>A key whose shape in the checkpoint differs from the model's.</summary>
public sealed class ShapeMismatch
{
    internal ShapeMismatch(string key, int[] expectedShape, int[] actualShape)
    {
        Key = key;
        ExpectedShape = (int[])expectedShape.Clone();
        ActualShape = actualShape;
    }

    /// <summary>The key, e.g. <c>features.0.weight</c>.</summary>
    public string Key { get; }

    /// <summary>The shape the model expects.</summary>
    public IReadOnlyList<int> ExpectedShape { get; }

    /// <summary>The shape in the checkpoint.</summary>
    public IReadOnlyList<int> ActualShape { get; }

    /// <summary>The mismatch as <c>key: checkpoint [..] vs model [..]</c>.</summary>
    public override string ToString() =>
        $"{Key}: checkpoint {CheckpointTensor.FormatShape(ActualShape)}, model {CheckpointTensor.FormatShape(ExpectedShape)}";
}
