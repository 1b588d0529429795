namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// Thrown when a PyTorch checkpoint's pickle asks for a Python global that a state dict of tensors never needs
/// (for example <c>posix.system</c> or <c>builtins.eval</c>). The global is refused before anything could use it,
/// the way <c>torch.load(weights_only=True)</c> refuses it; nothing from the file is ever executed.
/// </summary>
public sealed class UnsafeCheckpointException : CheckpointFormatException
{
    /// <summary>Creates the exception for the refused global.</summary>
    /// <param name="globalName">The dotted name the pickle asked for, e.g. <c>posix.system</c>.</param>
    /// <param name="filePath">The checkpoint's path or stream name, if known.</param>
    /// <param name="entry">The pickle's location, e.g. the zip entry <c>archive/data.pkl</c>, with the byte offset.</param>
    /// <param name="allowed">The globals a state dict may use, for the message.</param>
    public UnsafeCheckpointException(string globalName, string? filePath, string? entry, IEnumerable<string> allowed)
        : base($"the pickle imports the Python global '{globalName}', which a state dict of tensors does not need, so the file was " +
               $"refused (nothing in it was executed). Allowed globals: {string.Join(", ", allowed)}. If you trust the file, load it " +
               "with torch and save model.state_dict() with torch.save or as safetensors.", filePath, entry)
    {
        GlobalName = globalName;
    }

    /// <summary>The refused global's dotted name, e.g. <c>posix.system</c>.</summary>
    public string GlobalName { get; }
}
