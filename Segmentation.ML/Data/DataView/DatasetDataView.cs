using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// A segmentation dataset as a data view: <c>Id</c>, <c>ImagePath</c>, <c>LabelPath</c> (text), and
/// <c>Image</c> and <c>Label</c> decoded lazily — only when a cursor asks for them, one row at a time.
/// </summary>
public sealed class DatasetDataView : IDataView
{
    private readonly SegmentationDataset dataset;

    /// <summary>Wraps an opened dataset.</summary>
    public DatasetDataView(SegmentationDataset dataset)
    {
        this.dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        Schema = new DataViewSchema.Builder()
            .AddColumn("Id", TextDataViewType.Instance)
            .AddColumn("ImagePath", TextDataViewType.Instance)
            .AddColumn("LabelPath", TextDataViewType.Instance)
            .AddColumn("Image", new ImageDataViewType())
            .AddColumn("Label", new LabelMapDataViewType(dataset.Classes))
            .ToSchema();
    }

    /// <summary>The dataset behind the view.</summary>
    public SegmentationDataset Dataset => dataset;

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => true;

    /// <inheritdoc />
    public long? GetRowCount() => dataset.Samples.Count;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null)
    {
        var order = Enumerable.Range(0, dataset.Samples.Count).ToArray();
        if (random is not null) random.Shuffle(order);
        return new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet(), order);
    }

    private sealed class Cursor(DatasetDataView view, HashSet<int> active, int[] order) : DataViewRowCursor
    {
        private long position = -1;
        private RgbImage? image;
        private LabelMap? label;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => position;

        private SegmentationSample Current => position >= 0 && position < order.Length
            ? view.dataset.Samples[order[position]]
            : throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");

        public override bool MoveNext()
        {
            image = null;
            label = null;
            if (position + 1 >= order.Length) return false;
            position++;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckGetter<TValue>(column);
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<string>)((ref string v) => v = Current.Id),
                1 => (ValueGetter<string>)((ref string v) => v = Current.ImagePath),
                2 => (ValueGetter<string>)((ref string v) => v = Current.MaskPath),
                3 => (ValueGetter<RgbImage>)((ref RgbImage v) => v = image ??= view.dataset.LoadImage(Current)),
                _ => (ValueGetter<LabelMap>)((ref LabelMap v) => v = label ??= view.dataset.LoadMask(Current)),
            };
            return (ValueGetter<TValue>)getter;
        }
    }
}
