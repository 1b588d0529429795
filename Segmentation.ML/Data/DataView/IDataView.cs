namespace Segmentation.ML.Data;

/// <summary>
/// A lazy, immutable table: a schema and cursors over its rows. Nothing is read until a cursor moves,
/// and only the columns a cursor asks for are produced, so a dataset's images and features never need
/// to sit in memory all at once.
/// </summary>
public interface IDataView
{
    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }

    /// <summary>Whether a cursor can visit the rows in a random order.</summary>
    bool CanShuffle { get; }

    /// <summary>The number of rows if known without reading them, else null.</summary>
    long? GetRowCount();

    /// <summary>A cursor producing only <paramref name="columnsNeeded"/>; rows shuffled when <paramref name="random"/> is given and <see cref="CanShuffle"/>.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null);
}

/// <summary>Reads a value of the current row into <paramref name="value"/>.</summary>
public delegate void ValueGetter<TValue>(ref TValue value);

/// <summary>
/// A forward-only position in a data view. Getters read the current row; values of reference types
/// (images, label maps, tensors) belong to the cursor and stay valid until the next <see cref="MoveNext"/>.
/// </summary>
public abstract class DataViewRowCursor : IDisposable
{
    /// <summary>The schema of the view this cursor reads.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>Index of the current row in visiting order; −1 before the first <see cref="MoveNext"/>.</summary>
    public abstract long Position { get; }

    /// <summary>Advances to the next row; false at the end.</summary>
    public abstract bool MoveNext();

    /// <summary>Whether the cursor produces <paramref name="column"/>.</summary>
    public abstract bool IsColumnActive(DataViewSchema.Column column);

    /// <summary>A getter for an active column.</summary>
    /// <exception cref="SchemaException">The column is inactive or its type is not <typeparamref name="TValue"/>.</exception>
    public abstract ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column);

    /// <summary>Releases what the cursor holds.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Override to release resources.</summary>
    protected virtual void Dispose(bool disposing) { }

    /// <summary>Throws the standard error when a getter is requested with the wrong type or for an inactive column.</summary>
    protected void CheckGetter<TValue>(DataViewSchema.Column column)
    {
        if (!IsColumnActive(column))
            throw new SchemaException($"Column '{column.Name}' was not requested when the cursor was created; pass it in columnsNeeded.", column.Name);
        if (column.Type.RawType != typeof(TValue))
            throw SchemaException.WrongType(column, $"a getter of {typeof(TValue).Name}", $"Read it with GetGetter<{column.Type.RawType.Name}>().");
    }
}
