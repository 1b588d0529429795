using System.Collections;

namespace Segmentation.ML.Data;

/// <summary>
/// The immutable list of columns of a data view. A later column with the same name hides an earlier one
/// (as a transform that rewrites a column does); lookups by name find the visible one.
/// </summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] columns;
    private readonly Dictionary<string, Column> byName;

    private DataViewSchema(Column[] columns)
    {
        this.columns = columns;
        byName = new Dictionary<string, Column>(StringComparer.Ordinal);
        foreach (var column in columns) byName[column.Name] = column;
    }

    /// <summary>A column: its position, name and type.</summary>
    /// <param name="Index">Position in the schema.</param>
    /// <param name="Name">Name, unique among visible columns.</param>
    /// <param name="Type">What its getter returns.</param>
    public sealed record Column(int Index, string Name, DataViewType Type)
    {
        /// <summary>True when a later column of the same name hides this one.</summary>
        public bool IsHidden { get; internal init; }

        /// <inheritdoc />
        public override string ToString() => $"{Name}: {Type}";
    }

    /// <summary>The number of columns, hidden ones included.</summary>
    public int Count => columns.Length;

    /// <summary>The column at <paramref name="index"/>.</summary>
    public Column this[int index] => columns[index];

    /// <summary>The visible column named <paramref name="name"/>.</summary>
    /// <exception cref="SchemaException">No such column; the message lists the columns there are.</exception>
    public Column this[string name] => GetColumnOrNull(name)
        ?? throw new SchemaException($"The data has no column '{name}'. Its columns are: {Describe()}.", name);

    /// <summary>The visible column named <paramref name="name"/>, or null.</summary>
    public Column? GetColumnOrNull(string name) => byName.GetValueOrDefault(name);

    /// <summary>The visible columns, in order.</summary>
    public IEnumerable<Column> Visible => columns.Where(c => !c.IsHidden);

    /// <inheritdoc />
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>"Name: Type" of every visible column, comma-separated.</summary>
    public string Describe() => string.Join(", ", Visible);

    /// <inheritdoc />
    public override string ToString() => $"Schema({Describe()})";

    /// <summary>Builds a schema column by column.</summary>
    public sealed class Builder
    {
        private readonly List<(string Name, DataViewType Type)> pending = [];

        /// <summary>Adds a column at the end.</summary>
        public Builder AddColumn(string name, DataViewType type)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            ArgumentNullException.ThrowIfNull(type);
            pending.Add((name, type));
            return this;
        }

        /// <summary>Adds copies of the given columns (hidden ones too), keeping their names and types.</summary>
        public Builder AddColumns(IEnumerable<Column> existing)
        {
            foreach (var column in existing) pending.Add((column.Name, column.Type));
            return this;
        }

        /// <summary>The schema; later columns hide earlier ones of the same name.</summary>
        public DataViewSchema ToSchema()
        {
            var last = new Dictionary<string, int>();
            for (int i = 0; i < pending.Count; i++) last[pending[i].Name] = i;
            var built = pending.Select((c, i) => new Column(i, c.Name, c.Type) { IsHidden = last[c.Name] != i }).ToArray();
            return new DataViewSchema(built);
        }
    }
}

/// <summary>
/// A column is missing or has the wrong type. The message names the column, the expected type and the
/// actual one, and says what to do.
/// </summary>
public sealed class SchemaException(string message, string? columnName = null) : InvalidOperationException(message)
{
    /// <summary>The column concerned.</summary>
    public string? ColumnName { get; } = columnName;

    internal static SchemaException WrongType(DataViewSchema.Column column, string expected, string hint) =>
        new($"Column '{column.Name}' has type {column.Type}; {expected} was expected. {hint}", column.Name);
}
