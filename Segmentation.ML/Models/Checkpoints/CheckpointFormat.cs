namespace Segmentation.ML.Models.Checkpoints;

/// <summary>The file format a <see cref="StateDict"/> was read from.</summary>
public enum CheckpointFormat
{
    /// <summary>Built in memory, not read from a file.</summary>
    InMemory,

    /// <summary>safetensors: an 8-byte header length, a JSON header, then the tensors' bytes.</summary>
    Safetensors,

    /// <summary>A <c>torch.save</c> zip archive (PyTorch ≥ 1.6 default): <c>archive/data.pkl</c> plus one entry per storage.</summary>
    PyTorchZip,

    /// <summary>
    /// PyTorch's legacy format (PyTorch 0.1.x of 2017 to 1.5, or <c>_use_new_zipfile_serialization=False</c>): consecutive pickles
    /// followed by the raw storages. torchvision's original VGG and MobileNetV2 checkpoints use it.
    /// </summary>
    PyTorchLegacy,
}
