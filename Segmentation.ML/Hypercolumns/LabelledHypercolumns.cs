using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Hypercolumns;

/// <summary>
/// Labelled images as the hypercolumn trainer consumes them: each image's hypercolumns with its label map
/// at the image's resolution (labels at least <see cref="SegmentationClassSet.ClassCount"/> are ignored).
/// The trainer reads a source once per stage-B epoch (shuffled) and once for sampling, so a source computes
/// hypercolumns as it goes rather than holding them all.
/// </summary>
internal abstract class LabelledHypercolumns
{
    /// <summary>The classes of the labels.</summary>
    public abstract SegmentationClassSet Classes { get; }

    /// <summary>Z: the length of one hypercolumn.</summary>
    public abstract int Channels { get; }

    /// <summary>Images in one pass, or null when the source cannot tell before reading.</summary>
    public abstract int? Count { get; }

    /// <summary>
    /// One pass over the images, in order or shuffled by <paramref name="order"/>. Each item's maps are valid
    /// until the enumeration moves on; the source releases them.
    /// </summary>
    public abstract IEnumerable<(HypercolumnMaps Maps, LabelMap Label)> Read(Random? order, CancellationToken cancellation);

    /// <summary>The label maps alone (no backbone work), in order.</summary>
    public abstract IEnumerable<LabelMap> ReadLabels(CancellationToken cancellation);
}

/// <summary>The images of an ML.NET data view with a Hypercolumns column (see ExtractHypercolumns) and a label map column.</summary>
internal sealed class DataViewHypercolumns : LabelledHypercolumns
{
    private readonly IDataView data;
    private readonly DataViewSchema.Column hypercolumns;
    private readonly DataViewSchema.Column label;

    /// <exception cref="SchemaException">A column is missing or of the wrong type.</exception>
    public DataViewHypercolumns(IDataView data, string hypercolumnsColumnName, string labelColumnName, string component = "SamplePixels")
    {
        this.data = data;
        hypercolumns = SchemaException.Require(data.Schema, hypercolumnsColumnName, t => t is HypercolumnDataViewType, "Hypercolumns (see ExtractHypercolumns)", component);
        label = SchemaException.Require(data.Schema, labelColumnName, ImageViewHypercolumns.IsLabelMap, "a label map: a vector of keys (see LabelMapColumn)", component);
        Classes = LabelMapColumn.GetClasses(label);
        Channels = ((HypercolumnDataViewType)hypercolumns.Type).Channels;
    }

    public override SegmentationClassSet Classes { get; }

    public override int Channels { get; }

    public override int? Count => data.GetRowCount() is long n ? (int)n : null;

    public override IEnumerable<(HypercolumnMaps Maps, LabelMap Label)> Read(Random? order, CancellationToken cancellation)
    {
        using var cursor = data.GetRowCursor([hypercolumns, label], data.CanShuffle ? order : null);
        var mapsGetter = cursor.GetGetter<HypercolumnMaps>(hypercolumns);
        var labelGetter = cursor.GetGetter<VBuffer<uint>>(label);
        HypercolumnMaps maps = null!;
        VBuffer<uint> keys = default;
        byte ignore = Classes.IgnoreValue ?? (byte)Classes.ClassCount;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            labelGetter(ref keys);
            mapsGetter(ref maps);
            yield return (maps, LabelMapColumn.ToLabelMap(keys, maps.ImageWidth, maps.ImageHeight, Classes.ClassCount, ignore));
        }
    }

    public override IEnumerable<LabelMap> ReadLabels(CancellationToken cancellation) =>
        Read(null, cancellation).Select(row => row.Label);
}
