using Segmentation.ML.Data;
using Segmentation.ML.Imaging;
using Segmentation.ML.Visualization;

namespace Segmentation.Cli.Commands;

/// <summary>
/// Keeps the truth and prediction of a few rows, spread evenly over a split, while the evaluation streams through it,
/// so <c>segml evaluate --report</c> shows pictures without predicting any image twice.
/// </summary>
internal sealed class ReportExamples
{
    private readonly DatasetDataView data;
    private readonly HashSet<long> wanted;
    private readonly Dictionary<long, LabelMap> truths = [];
    private readonly Dictionary<long, LabelMap> predictions = [];

    /// <param name="data">The split the scored view was made from (its row i is sample i).</param>
    /// <param name="count">How many rows to keep.</param>
    public ReportExamples(DatasetDataView data, int count)
    {
        this.data = data;
        long rows = data.GetRowCount() ?? 0;
        wanted = Enumerable.Range(0, (int)Math.Min(count, rows)).Select(i => i * rows / Math.Min(count, rows)).ToHashSet();
    }

    /// <summary>The scored view, unchanged, but remembering the label maps of the wanted rows as they are read.</summary>
    public IDataView Watch(IDataView scored, string labelColumn, string predictionColumn) => new Watching(this, scored, labelColumn, predictionColumn);

    /// <summary>The kept rows with their images, in split order.</summary>
    public IReadOnlyList<ReportExample> Collect() =>
        wanted.Order().Where(row => truths.ContainsKey(row) && predictions.ContainsKey(row)).Select(row =>
        {
            var sample = data.Dataset.Samples[(int)row];
            return new ReportExample(sample.Id, data.Dataset.LoadImage(sample), truths[row], predictions[row]);
        }).ToList();

    private void Keep(Dictionary<long, LabelMap> kept, long row, LabelMap labels)
    {
        if (!wanted.Contains(row)) return;
        lock (kept) kept[row] = new LabelMap(labels.Width, labels.Height, labels.Labels.ToArray());
    }

    private sealed class Watching(ReportExamples examples, IDataView inner, string labelColumn, string predictionColumn) : IDataView
    {
        /// <summary>Where a getter of <paramref name="column"/> should keep its label maps, or null to pass it through.</summary>
        public Dictionary<long, LabelMap>? KeptFor(DataViewSchema.Column column) =>
            column.Name == labelColumn ? examples.truths : column.Name == predictionColumn ? examples.predictions : null;

        public void Keep(Dictionary<long, LabelMap> kept, long row, LabelMap labels) => examples.Keep(kept, row, labels);

        public DataViewSchema Schema => inner.Schema;

        public bool CanShuffle => inner.CanShuffle;

        public long? GetRowCount() => inner.GetRowCount();

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null)
        {
            if (random is not null) throw new InvalidOperationException("Report examples follow the split's order; read the scored view without shuffling.");
            return new Cursor(this, inner.GetRowCursor(columnsNeeded));
        }

        private sealed class Cursor(Watching view, DataViewRowCursor cursor) : DataViewRowCursor
        {
            public override DataViewSchema Schema => cursor.Schema;

            public override long Position => cursor.Position;

            public override bool MoveNext() => cursor.MoveNext();

            public override bool IsColumnActive(DataViewSchema.Column column) => cursor.IsColumnActive(column);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                var getter = cursor.GetGetter<TValue>(column);
                var kept = view.KeptFor(column);
                if (kept is null || typeof(TValue) != typeof(LabelMap)) return getter;
                return (ref TValue value) =>
                {
                    getter(ref value);
                    view.Keep(kept, cursor.Position, (LabelMap)(object)value!);
                };
            }

            protected override void Dispose(bool disposing) => cursor.Dispose();
        }
    }
}
