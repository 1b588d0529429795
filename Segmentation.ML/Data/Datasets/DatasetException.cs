namespace Segmentation.ML.Data;

/// <summary>What went wrong when reading a dataset.</summary>
public enum DatasetProblem
{
    /// <summary>The folder layout, a split list or the class file is missing or malformed.</summary>
    InvalidLayout,

    /// <summary>An image or mask file listed for a sample does not exist.</summary>
    MissingFile,

    /// <summary>A file exists but cannot be read or decoded.</summary>
    UnreadableFile,

    /// <summary>Image and mask of a sample differ in size.</summary>
    SizeMismatch,

    /// <summary>A mask holds a value that is neither a declared class nor the ignore value.</summary>
    LabelOutOfRange,
}

/// <summary>
/// A dataset could not be read as expected. The message says which sample and file, what was
/// expected and what was found; <see cref="Problem"/>, <see cref="SampleId"/> and
/// <see cref="FilePath"/> carry the same facts for programs.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DatasetException(DatasetProblem problem, string message, string? sampleId = null, string? filePath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        SampleId = sampleId;
        FilePath = filePath;
    }

    /// <summary>The kind of failure.</summary>
    public DatasetProblem Problem { get; }

    /// <summary>The sample concerned, when the failure belongs to one.</summary>
    public string? SampleId { get; }

    /// <summary>The file concerned, when there is one.</summary>
    public string? FilePath { get; }
}
