using Segmentation.ML.Data;

namespace Segmentation.ML;

/// <summary>
/// Per-row facts a mapping getter may use: the row's position, the cursor's random generator, and state the
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
/// An output column of a row-to-row transform: its type, the input columns it reads, and a factory
/// that builds its getter (a <see cref="ValueGetter{TValue}"/> of the type's raw type) over an input cursor.
/// </summary>
internal sealed record OutputColumn(string Name, DataViewType Type, string[] Inputs, Func<DataViewRowCursor, RowContext, Delegate> MakeGetter);

/// <summary>
/// The lazy view a row-to-row transform returns: the input's columns, then the outputs (hiding input
/// columns of the same name). A cursor activates only the input columns that requested columns need.
/// </summary>
internal sealed class MappedDataView : IDataView
{
    private readonly IDataView input;
    private readonly OutputColumn[] outputs;
    private readonly int seed;

    public MappedDataView(IDataView input, IEnumerable<OutputColumn> outputs, int seed = 0)
    {
        this.input = input;
        this.outputs = outputs.ToArray();
        this.seed = seed;
        Schema = BuildSchema(input.Schema, this.outputs);
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => input.CanShuffle;

    public long? GetRowCount() => input.GetRowCount();

    public static DataViewSchema BuildSchema(DataViewSchema input, IEnumerable<OutputColumn> outputs)
    {
        var builder = new DataViewSchema.Builder().AddColumns(input);
        foreach (var output in outputs) builder.AddColumn(output.Name, output.Type);
        return builder.ToSchema();
    }

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        int inputCount = input.Schema.Count;
        var inputNeeded = new HashSet<int>(needed.Where(i => i < inputCount));
        foreach (int index in needed.Where(i => i >= inputCount))
            foreach (string name in outputs[index - inputCount].Inputs)
                inputNeeded.Add(input.Schema[name].Index);
        var cursor = input.GetRowCursor(inputNeeded.Select(i => input.Schema[i]), random);
        var rowRandom = random is null ? new Random(seed) : new Random(random.Next());
        return new Cursor(this, cursor, needed, new RowContext(rowRandom));
    }

    private sealed class Cursor(MappedDataView view, DataViewRowCursor inner, HashSet<int> active, RowContext row) : DataViewRowCursor
    {
        private readonly Dictionary<int, Delegate> getters = [];

        public override DataViewSchema Schema => view.Schema;

        public override long Position => inner.Position;

        public override bool MoveNext()
        {
            bool moved = inner.MoveNext();
            row.Position = inner.Position;
            return moved;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckGetter<TValue>(column);
            int inputCount = view.input.Schema.Count;
            if (column.Index < inputCount) return inner.GetGetter<TValue>(view.input.Schema[column.Index]);
            if (!getters.TryGetValue(column.Index, out var getter))
                getters[column.Index] = getter = view.outputs[column.Index - inputCount].MakeGetter(inner, row);
            return (ValueGetter<TValue>)getter;
        }

        protected override void Dispose(bool disposing) => inner.Dispose();
    }
}

/// <summary>Schema checks shared by every estimator and transformer, with errors that name the column and say what to do.</summary>
internal static class SchemaChecks
{
    public static DataViewSchema.Column Require<TType>(DataViewSchema schema, string name, string expected, string component) where TType : DataViewType
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new SchemaException($"{component} needs an input column '{name}' ({expected}); the data has: {schema.Describe()}.", name);
        if (column.Type is not TType)
            throw SchemaException.WrongType(column, expected, $"{component} reads it; point the component at another column or convert this one.");
        return column;
    }
}
