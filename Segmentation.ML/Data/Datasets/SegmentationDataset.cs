using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// A split of a segmentation dataset: an ordered list of samples (image + mask paths), the
/// class set, and lazy, validated loading. Files are only touched when a sample is loaded, so
/// opening is cheap and mask-only work (statistics) needs no images.
/// </summary>
/// <remarks>
/// Loading methods are thread-safe. Validation on load: a missing or undecodable file, an image
/// and mask of different sizes, or a mask value that is neither a class nor the ignore value
/// raise <see cref="DatasetException"/> naming the sample and file. With
/// <see cref="DatasetReadOptions.SkipInvalidSamples"/>, <see cref="ReadAll"/> leaves such samples out
/// and records them in <see cref="SkippedSamples"/>.
/// </remarks>
public abstract class SegmentationDataset
{
    private readonly SegmentationSample[] samples;
    private readonly List<SkippedSample> skipped = [];
    private readonly SearchValues<byte> validLabels;

    private protected SegmentationDataset(string root, string split, SegmentationClassSet classes, IEnumerable<SegmentationSample> samples, DatasetReadOptions? options)
    {
        Root = root;
        Split = split;
        Classes = classes;
        Options = options ?? DatasetReadOptions.Default;
        this.samples = samples.ToArray();
        validLabels = SearchValues.Create(Enumerable.Range(0, 256).Select(v => (byte)v).Where(classes.IsValidLabel).ToArray());
    }

    /// <summary>The dataset folder the paths were resolved against.</summary>
    public string Root { get; }

    /// <summary>The split, e.g. "train" or "val".</summary>
    public string Split { get; }

    /// <summary>Class names, ignore value and palette.</summary>
    public SegmentationClassSet Classes { get; }

    /// <summary>The reading options in force.</summary>
    public DatasetReadOptions Options { get; }

    /// <summary>The samples of the split, in list order.</summary>
    public IReadOnlyList<SegmentationSample> Samples => samples;

    /// <summary>Samples <see cref="ReadAll"/> has left out so far, with reasons (a snapshot).</summary>
    public IReadOnlyList<SkippedSample> SkippedSamples
    {
        get
        {
            lock (skipped)
            {
                return skipped.ToArray();
            }
        }
    }

    /// <summary>Advice appended to a missing-image message, e.g. where to download the images.</summary>
    private protected virtual string MissingImageAdvice => "";

    /// <summary>Decodes the image of a sample with SkiaSharp, as ML.NET's LoadImages does.</summary>
    /// <exception cref="DatasetException">The file is missing or cannot be decoded.</exception>
    public RgbImage LoadImage(SegmentationSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        EnsureRegularFile(sample, sample.ImagePath, "image");
        try
        {
            return MLImages.LoadRgb(sample.ImagePath, Options.DecoderOptions);
        }
        catch (FileNotFoundException e)
        {
            throw new DatasetException(DatasetProblem.MissingFile,
                $"{Classes.Name} sample '{sample.Id}': image file not found: {sample.ImagePath}.{MissingImageAdvice}", sample.Id, sample.ImagePath, e);
        }
        catch (ImageFormatException e)
        {
            throw new DatasetException(DatasetProblem.UnreadableFile,
                $"{Classes.Name} sample '{sample.Id}': cannot decode image file {sample.ImagePath}: {e.Problem}.", sample.Id, sample.ImagePath, e);
        }
    }

    /// <summary>Decodes the mask of a sample and, unless disabled, checks every label against the classes.</summary>
    /// <exception cref="DatasetException">The file is missing, cannot be decoded or holds labels outside the classes.</exception>
    public LabelMap LoadMask(SegmentationSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        LabelMap mask = Read(sample, sample.MaskPath, "mask", "", DecodeMask);
        if (Options.ValidateLabels)
        {
            ValidateLabels(sample, mask);
        }

        return mask;
    }

    /// <summary>Loads image and mask and checks that their sizes agree.</summary>
    /// <exception cref="DatasetException">Any validation fails.</exception>
    public LabeledImage Load(SegmentationSample sample)
    {
        RgbImage image = LoadImage(sample);
        LabelMap mask = LoadMask(sample);
        if (image.Width != mask.Width || image.Height != mask.Height)
        {
            throw new DatasetException(DatasetProblem.SizeMismatch,
                $"{Classes.Name} sample '{sample.Id}': the mask {sample.MaskPath} is {mask.Width}×{mask.Height} but the image {sample.ImagePath} is {image.Width}×{image.Height}; they must be equal.",
                sample.Id, sample.MaskPath);
        }

        return new LabeledImage(sample, image, mask);
    }

    /// <summary>Like <see cref="Load"/>, but returns the failure instead of throwing it.</summary>
    public bool TryLoad(SegmentationSample sample, [NotNullWhen(true)] out LabeledImage? item, [NotNullWhen(false)] out DatasetException? error)
    {
        try
        {
            item = Load(sample);
            error = null;
            return true;
        }
        catch (DatasetException e)
        {
            item = null;
            error = e;
            return false;
        }
    }

    /// <summary>
    /// Loads every sample in order. Invalid samples throw, or with <see cref="DatasetReadOptions.SkipInvalidSamples"/>
    /// are left out and recorded in <see cref="SkippedSamples"/>.
    /// </summary>
    /// <exception cref="DatasetException">A sample is invalid and skipping is off.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IEnumerable<LabeledImage> ReadAll(CancellationToken cancellationToken = default)
    {
        foreach (SegmentationSample sample in samples)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!Options.SkipInvalidSamples)
            {
                yield return Load(sample);
            }
            else if (TryLoad(sample, out LabeledImage? item, out DatasetException? error))
            {
                yield return item;
            }
            else
            {
                RecordSkipped(new SkippedSample(sample, error));
            }
        }
    }

    /// <summary>Decodes mask bytes to labels; palette and gray PNGs by default.</summary>
    private protected virtual LabelMap DecodeMask(byte[] data) => ImageDecoder.DecodeLabelMap(data, Options.DecoderOptions);

    internal void RecordSkipped(SkippedSample skipped)
    {
        lock (this.skipped)
        {
            this.skipped.Add(skipped);
        }
    }

    /// <summary>Refuses a FIFO, device, folder or empty file before it is opened (opening a FIFO would wait forever).</summary>
    /// <exception cref="DatasetException">The path exists but is not a regular file with content.</exception>
    internal void EnsureRegularFile(SegmentationSample sample, string path, string what)
    {
        if (RegularFile.Problem(path) is { } problem)
        {
            throw new DatasetException(DatasetProblem.UnreadableFile,
                $"{Classes.Name} sample '{sample.Id}': the {what} {path} {problem}; expected a PNG or JPEG file.", sample.Id, path);
        }
    }

    private void ValidateLabels(SegmentationSample sample, LabelMap mask)
    {
        int bad = mask.Labels.IndexOfAnyExcept(validLabels);
        if (bad >= 0)
        {
            string ignore = Classes.IgnoreValue is byte v ? $" or the ignore value {v}" : "";
            throw new DatasetException(DatasetProblem.LabelOutOfRange,
                $"{Classes.Name} sample '{sample.Id}': the mask {sample.MaskPath} has label {mask.Labels[bad]} at ({bad % mask.Width}, {bad / mask.Width}); " +
                $"expected a class 0..{Classes.ClassCount - 1}{ignore}.",
                sample.Id, sample.MaskPath);
        }
    }

    private T Read<T>(SegmentationSample sample, string path, string what, string advice, Func<byte[], T> decode)
    {
        EnsureRegularFile(sample, path, what);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DatasetException(DatasetProblem.MissingFile,
                $"{Classes.Name} sample '{sample.Id}': {what} file not found: {path}.{advice}", sample.Id, path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException(DatasetProblem.UnreadableFile,
                $"{Classes.Name} sample '{sample.Id}': cannot read {what} file {path}: {e.Message}", sample.Id, path, e);
        }

        try
        {
            return decode(data);
        }
        catch (ImageFormatException e)
        {
            throw new DatasetException(DatasetProblem.UnreadableFile,
                $"{Classes.Name} sample '{sample.Id}': cannot decode {what} file {path}: {e.Problem}.", sample.Id, path, e);
        }
    }
}
