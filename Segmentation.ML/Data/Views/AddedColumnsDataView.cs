using Microsoft.ML;
using Microsoft.ML.Data;

namespace Segmentation.ML.Data;

/// <summary>
/// Per-row facts a column's getter may use: the row's position, the cursor's random generator, and state the
/// getters of one row share (for example one random crop for an image and its labels), dropped as the cursor moves.
/// </summary>
internal sealed class RowContext(Random random)
{
    private object? state;
    private long position = -1;

    public long Position
    {
        get => position;
        internal set
        {
            position = value;
            state = null;
        }
    }

    public Random Random { get; } = random;

    /// <summary>The current row's shared state, made by <paramref name="create"/> on first use in this row.</summary>
    public T Shared<T>(Func<T> create) where T : class => (T)(state ??= create());
}

/// <summary>
/// A column a row-to-row transform adds: its type and annotations, the input columns it reads, and a factory
/// that builds its getter (a <see cref="ValueGetter{TValue}"/> of the type's raw type) over an input cursor.
/// </summary>
internal sealed record AddedColumn(string Name, DataViewType Type, string[] Inputs, Func<DataViewRowCursor, RowContext, Delegate> MakeGetter,
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
    private readonly int seed;

    public AddedColumnsDataView(IDataView input, IEnumerable<AddedColumn> added, int seed = 0)
    {
        this.input = input;
        this.added = added.ToArray();
        this.seed = seed;
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
        var rowRandom = rand is null ? new Random(seed) : new Random(rand.Next());
        return new Cursor(this, cursor, needed, new RowContext(rowRandom));
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(AddedColumnsDataView view, DataViewRowCursor inner, HashSet<int> active, RowContext row) : DataViewRowCursor
    {
        private readonly Dictionary<int, Delegate> getters = [];

        public override DataViewSchema Schema => view.Schema;

        public override long Position => inner.Position;

        public override long Batch => inner.Batch;

        public override bool MoveNext()
        {
            bool moved = inner.MoveNext();
            row.Position = inner.Position;
            return moved;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => inner.GetIdGetter();

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!IsColumnActive(column)) throw new InvalidOperationException($"Column '{column.Name}' was not asked for when the cursor was created.");
            int inputCount = view.input.Schema.Count;
            if (column.Index < inputCount) return inner.GetGetter<TValue>(view.input.Schema[column.Index]);
            if (!getters.TryGetValue(column.Index, out var getter))
                getters[column.Index] = getter = view.added[column.Index - inputCount].MakeGetter(inner, row);
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
