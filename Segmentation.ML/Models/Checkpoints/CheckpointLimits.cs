namespace Segmentation.ML.Models.Checkpoints;

/// <summary>
/// How much memory reading one checkpoint may take beyond the lazily read tensor bytes of the file itself. Every
/// size is checked against these limits, using what the file declares, before anything is allocated, so a small
/// file cannot make the reader balloon (a deflate "bomb" of a few megabytes declaring gigabytes is refused outright).
/// </summary>
/// <remarks>
/// | Limit | Default | Checked against |
/// |---|---|---|
/// | <see cref="MaxInflatedBytes"/> | 4 GiB | the sizes the zip central directory declares for the deflated entries read (data.pkl, storages), summed |
/// | <see cref="MaxMetadataBytes"/> | 16 MiB | the state dict pickle (zip or legacy) and the safetensors JSON header |
///
/// Building the values of a pickle may cost at most 64 bytes of memory per pickle byte read (plus 1 MiB), so at most
/// 1 GiB by default; a pickle that would build more is refused as it is read. torch.save's own pickles of VGG and
/// MobileNetV2 state dicts need 14 to 20 bytes per byte.
/// </remarks>
public sealed record CheckpointLimits
{
    /// <summary>4 GiB of inflated zip entries, 16 MiB of pickle or header.</summary>
    public static CheckpointLimits Default { get; } = new();

    /// <summary>
    /// The most bytes the deflated zip entries a reader needs may inflate to, all together. PyTorch stores storages
    /// uncompressed (read lazily, not counted here); only archives re-zipped with compression inflate into memory.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public long MaxInflatedBytes
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxInflatedBytes), value, "A limit cannot be negative.");
    } = 4L << 30;

    /// <summary>
    /// The longest state dict description accepted: a PyTorch pickle (about 110 bytes per tensor: torchvision's
    /// MobileNetV2 takes 34 KB) or a safetensors JSON header (never more than the format's own 100 MB).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public long MaxMetadataBytes
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxMetadataBytes), value, "A limit cannot be negative.");
    } = 16L << 20;
}
