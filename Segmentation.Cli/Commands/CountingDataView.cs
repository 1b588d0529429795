using Segmentation.ML.Data;

namespace Segmentation.Cli.Commands;

/// <summary>
/// Passes a data view through unchanged and reports how many rows its cursors have moved over in all,
/// so a progress bar can follow a trainer however many passes it makes.
/// </summary>
internal sealed class CountingDataView(IDataView inner, Action<long> rowsRead) : IDataView
{
    private readonly Action<long> report = rowsRead;
    private long rows;

    public DataViewSchema Schema => inner.Schema;

    public bool CanShuffle => inner.CanShuffle;

    public long? GetRowCount() => inner.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null) =>
        new Cursor(this, inner.GetRowCursor(columnsNeeded, random));

    private sealed class Cursor(CountingDataView view, DataViewRowCursor cursor) : DataViewRowCursor
    {
        public override DataViewSchema Schema => cursor.Schema;

        public override long Position => cursor.Position;

        public override bool MoveNext()
        {
            if (!cursor.MoveNext()) return false;
            view.report(Interlocked.Increment(ref view.rows));
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => cursor.IsColumnActive(column);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => cursor.GetGetter<TValue>(column);

        protected override void Dispose(bool disposing) => cursor.Dispose();
    }
}
