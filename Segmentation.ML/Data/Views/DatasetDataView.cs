using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// A split of a segmentation dataset as an ML.NET data view: <c>Id</c>, <c>ImagePath</c>, <c>LabelPath</c>
/// (text) and <c>Label</c>, the mask as a label-map column (see <see cref="LabelMapColumn"/>) decoded only
/// when a cursor asks for it. Photos are read by ML.NET's <c>LoadImages</c> from <c>ImagePath</c>; masks are
/// read here because their palette indices are data, not colours. Shuffling cursors are supported.
/// </summary>
public sealed class DatasetDataView : IDataView
{
    private readonly SegmentationDataset dataset;

    /// <summary>Wraps an opened dataset.</summary>
    public DatasetDataView(SegmentationDataset dataset)
    {
        this.dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        var builder = new DataViewSchema.Builder();
        builder.AddColumn("Id", TextDataViewType.Instance);
        builder.AddColumn("ImagePath", TextDataViewType.Instance);
        builder.AddColumn("LabelPath", TextDataViewType.Instance);
        builder.AddColumn("Label", LabelMapColumn.Type(dataset.Classes), LabelMapColumn.Annotations(dataset.Classes));
        Schema = builder.ToSchema();
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
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var order = Enumerable.Range(0, dataset.Samples.Count).ToArray();
        rand?.Shuffle(order);
        return new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet(), order);
    }

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(DatasetDataView view, HashSet<int> active, int[] order) : DataViewRowCursor
    {
        private long position = -1;
        private LabelMap? label;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => position;

        public override long Batch => 0;

        private SegmentationSample Current => position >= 0 && position < order.Length
            ? view.dataset.Samples[order[position]]
            : throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");

        public override bool MoveNext()
        {
            label = null;
            if (position + 1 >= order.Length)
            {
                position = order.Length;
                return false;
            }
            position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) => value = new DataViewRowId((ulong)order[position], 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column))
                throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was created.");
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = Current.Id.AsMemory()),
                1 => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) =>
                {
                    // ML.NET's LoadImages opens this path; a FIFO there would block it forever.
                    view.dataset.EnsureRegularFile(Current, Current.ImagePath, "image");
                    v = Current.ImagePath.AsMemory();
                }),
                2 => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> v) => v = Current.MaskPath.AsMemory()),
                _ => (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> v) =>
                {
                    label ??= view.dataset.LoadMask(Current);
                    LabelMapColumn.ToKeys(label, view.dataset.Classes.ClassCount, ref v);
                }),
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
        }
    }
}
