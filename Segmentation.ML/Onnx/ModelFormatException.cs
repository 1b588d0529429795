namespace Segmentation.ML.Onnx;

/// <summary>
/// A model file cannot be used: not a zip, corrupt, truncated, tampered with, not written by this library, or
/// holding a graph that fails its checks. The message names the file and, where it applies, the entry or metadata field.
/// </summary>
public sealed class ModelFormatException(string message, string? path = null, string? entry = null, Exception? inner = null, string? field = null)
    : Exception(message, inner)
{
    /// <summary>The model file.</summary>
    public string? Path { get; } = path;

    /// <summary>The zip entry concerned, if any.</summary>
    public string? Entry { get; } = entry;

    /// <summary>The graph's metadata field concerned (e.g. <c>segml.classes</c>), if any.</summary>
    public string? Field { get; } = field;
}
