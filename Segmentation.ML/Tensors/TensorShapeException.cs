namespace Segmentation.ML.Tensors;

/// <summary>
/// Thrown when a kernel or tensor receives shapes, lengths or spans that do not fit together.
/// The message names the argument, what was expected and what was found.
/// </summary>
public sealed class TensorShapeException : ArgumentException
{
    /// <summary>Creates the exception for the named argument.</summary>
    public TensorShapeException(string message, string? paramName = null) : base(message, paramName) { }
}
