using Microsoft.ML;
using Microsoft.ML.Data;

namespace Segmentation.ML.Data;

/// <summary>
/// A column a row-to-row transform adds: its type and annotations, the input columns it reads, and a factory
/// that builds its getter (a <see cref="ValueGetter{TValue}"/> of the type's raw type) over an input cursor.
/// </summary>
internal sealed record AddedColumn(string Name, DataViewType Type, string[] Inputs, Func<DataViewRowCursor, Delegate> MakeGetter,
    DataViewSchema.Annotations? Annotations = null);

/// <summary>
/// The lazy ML.NET data view our non-savable transforms return (training-time components and exploration
/// helpers; trained models use ML.NET's own transformers): the input's columns, then the added ones, which
/// hide input columns of the same name. A cursor activates only the input columns the requested ones need.
/// </summary>
internal sealed class AddedColumnsDataView : IDataView
{
    private readonly IDataView input;
    private readonly AddedColumn[] added;

    public AddedColumnsDataView(IDataView input, IEnumerable<AddedColumn> added)
    {
        this.input = input;
        this.added = added.ToArray();
        Schema = BuildSchema(input.Schema, this.added);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => input.CanShuffle;

    public long? GetRowCount() => input.GetRowCount();

    public static DataViewSchema BuildSchema(DataViewSchema input, IEnumerable<AddedColumn> added)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        foreach (var column in added) builder.AddColumn(column.Name, column.Type, column.Annotations);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        int inputCount = input.Schema.Count;
        var inputNeeded = new HashSet<int>(needed.Where(i => i < inputCount));
        foreach (int index in needed.Where(i => i >= inputCount))
            foreach (string name in added[index - inputCount].Inputs)
                inputNeeded.Add(input.Schema[name].Index);
        var cursor = input.GetRowCursor(inputNeeded.Select(i => input.Schema[i]), rand);
        return new Cursor(this, cursor, needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(AddedColumnsDataView view, DataViewRowCursor inner, HashSet<int> active) : DataViewRowCursor
    {
        private readonly Dictionary<int, Delegate> getters = [];

        public override DataViewSchema Schema => view.Schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override bool MoveNext() => inner.MoveNext();

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was created.");
            int inputCount = view.input.Schema.Count;
            if (column.Index < inputCount) return inner.GetGetter<TValue>(view.input.Schema[column.Index]);
            if (!getters.TryGetValue(column.Index, out var getter))
                getters[column.Index] = getter = view.added[column.Index - inputCount].MakeGetter(inner);
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
