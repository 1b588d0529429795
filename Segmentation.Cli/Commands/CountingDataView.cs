using Microsoft.ML;
using Microsoft.ML.Data;

namespace Segmentation.Cli.Commands;

/// <summary>Passes a data view through, reporting how many rows every cursor together has read (the progress of a training run's passes).</summary>
internal sealed class CountingDataView(IDataView inner, Action<long> rowsRead) : IDataView
{
    private readonly Action<long> report = rowsRead;
    private long rows;

    public DataViewSchema Schema => inner.Schema;

    public bool CanShuffle => inner.CanShuffle;

    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, inner.GetRowCursor(columnsNeeded, rand));

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(CountingDataView view, DataViewRowCursor cursor) : DataViewRowCursor
    {
        public override DataViewSchema Schema => cursor.Schema;

        public override long Position => cursor.Position;

        public override long Batch => cursor.Batch;

        public override bool MoveNext()
        {
            if (!cursor.MoveNext()) return false;
            view.report(Interlocked.Increment(ref view.rows));
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => cursor.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => cursor.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => cursor.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing)
        {
            if (disposing) cursor.Dispose();
            base.Dispose(disposing);
        }
    }
}
