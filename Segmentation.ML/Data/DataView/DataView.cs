using System.Reflection;
using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Data;

/// <summary>Names the column a property maps to (default: the property name).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>Declares a fixed vector length for a <c>float[]</c> property.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class VectorSizeAttribute(int size) : Attribute
{
    /// <summary>The length.</summary>
    public int Size { get; } = size;
}

/// <summary>Builds data views from .NET objects and reads them back.</summary>
public static class DataView
{
    /// <summary>
    /// A data view over <paramref name="rows"/> whose columns are the public readable properties of
    /// <typeparamref name="TRow"/> (float, double, int, long, byte, bool, string, float[], <see cref="RgbImage"/>,
    /// <see cref="LabelMap"/>, <see cref="Tensor"/>). The sequence is enumerated lazily, once per cursor.
    /// </summary>
    /// <param name="rows">The rows; enumerated again for every cursor.</param>
    /// <param name="labelClasses">The classes of any <see cref="LabelMap"/> columns (required if there are such columns).</param>
    /// <exception cref="SchemaException">A property has a type no column can hold.</exception>
    public static IDataView FromEnumerable<TRow>(IEnumerable<TRow> rows, SegmentationClassSet? labelClasses = null) where TRow : class
    {
        ArgumentNullException.ThrowIfNull(rows);
        var properties = ColumnProperties(typeof(TRow), writable: false);
        var builder = new DataViewSchema.Builder();
        foreach (var (name, property) in properties) builder.AddColumn(name, TypeOf(property, labelClasses));
        return new EnumerableDataView<TRow>(rows, builder.ToSchema(), properties.Select(p => p.Property).ToArray());
    }

    /// <summary>
    /// Reads every row into a new <typeparamref name="TRow"/>, setting each public writable property from the
    /// column of the same name (or <see cref="ColumnNameAttribute"/>). Lazy: rows are read as enumerated.
    /// </summary>
    /// <exception cref="SchemaException">A property has no column, or the column's type differs.</exception>
    public static IEnumerable<TRow> ToEnumerable<TRow>(this IDataView data) where TRow : class, new()
    {
        ArgumentNullException.ThrowIfNull(data);
        var properties = ColumnProperties(typeof(TRow), writable: true);
        var columns = properties.Select(p =>
        {
            var column = data.Schema.GetColumnOrNull(p.Name)
                ?? throw new SchemaException($"{typeof(TRow).Name}.{p.Property.Name} reads column '{p.Name}', which the data does not have. Its columns are: {data.Schema.Describe()}.", p.Name);
            if (column.Type.RawType != p.Property.PropertyType)
                throw SchemaException.WrongType(column, $"{p.Property.PropertyType.Name} (for {typeof(TRow).Name}.{p.Property.Name})", "Change the property's type or convert the column.");
            return column;
        }).ToArray();
        return Read(data, columns, properties.Select(p => p.Property).ToArray());

        static IEnumerable<TRow> Read(IDataView data, DataViewSchema.Column[] columns, PropertyInfo[] properties)
        {
            using var cursor = data.GetRowCursor(columns);
            var getters = columns.Select((c, i) => MakeBoxedGetter(cursor, c)).ToArray();
            while (cursor.MoveNext())
            {
                var row = new TRow();
                for (int i = 0; i < columns.Length; i++) properties[i].SetValue(row, getters[i]());
                yield return row;
            }
        }
    }

    /// <summary>The first rows of a view with their values, for notebooks and debugging.</summary>
    public static DataPreview Preview(this IDataView data, int maxRows = 10)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        var columns = data.Schema.Visible.ToArray();
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        using var cursor = data.GetRowCursor(columns);
        var getters = columns.Select(c => MakeBoxedGetter(cursor, c)).ToArray();
        while (rows.Count < maxRows && cursor.MoveNext())
        {
            var row = new Dictionary<string, object?>();
            for (int i = 0; i < columns.Length; i++) row[columns[i].Name] = Snapshot(getters[i]());
            rows.Add(row);
        }
        return new DataPreview(data.Schema, rows);
    }

    /// <summary>Every value of one column, read through a cursor over that column only.</summary>
    /// <exception cref="SchemaException">The column is missing or is not of type <typeparamref name="T"/>.</exception>
    public static IEnumerable<T> GetColumn<T>(this IDataView data, string columnName)
    {
        var column = data.Schema[columnName];
        if (column.Type.RawType != typeof(T))
            throw SchemaException.WrongType(column, typeof(T).Name, $"Read it as {column.Type.RawType.Name}.");
        return Read();

        IEnumerable<T> Read()
        {
            using var cursor = data.GetRowCursor([column]);
            var getter = cursor.GetGetter<T>(column);
            T value = default!;
            while (cursor.MoveNext())
            {
                getter(ref value);
                yield return value;
            }
        }
    }

    internal static Func<object?> MakeBoxedGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var method = typeof(DataView).GetMethod(nameof(BoxedGetter), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(column.Type.RawType);
        return (Func<object?>)method.Invoke(null, [cursor, column])!;
    }

    private static Func<object?> BoxedGetter<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value;
        };
    }

    /// <summary>Copies cursor-owned values a preview must keep.</summary>
    private static object? Snapshot(object? value) => value switch
    {
        Tensor tensor => $"Tensor{Tensor.Format(tensor.Shape)}",
        float[] vector => vector.ToArray(),
        _ => value,
    };

    private static List<(string Name, PropertyInfo Property)> ColumnProperties(Type type, bool writable) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && (!writable || p.CanWrite) && p.GetIndexParameters().Length == 0)
            .Select(p => (p.GetCustomAttribute<ColumnNameAttribute>()?.Name ?? p.Name, p))
            .ToList();

    private static DataViewType TypeOf(PropertyInfo property, SegmentationClassSet? labelClasses)
    {
        var t = property.PropertyType;
        if (t == typeof(float)) return NumberDataViewType.Single;
        if (t == typeof(double)) return NumberDataViewType.Double;
        if (t == typeof(int)) return NumberDataViewType.Int32;
        if (t == typeof(long)) return NumberDataViewType.Int64;
        if (t == typeof(byte)) return NumberDataViewType.Byte;
        if (t == typeof(bool)) return BooleanDataViewType.Instance;
        if (t == typeof(string)) return TextDataViewType.Instance;
        if (t == typeof(float[])) return new VectorDataViewType(property.GetCustomAttribute<VectorSizeAttribute>()?.Size ?? 0);
        if (t == typeof(RgbImage)) return new ImageDataViewType();
        if (t == typeof(Tensor)) return new TensorDataViewType();
        if (t == typeof(LabelMap))
            return new LabelMapDataViewType(labelClasses
                ?? throw new SchemaException($"Property '{property.Name}' is a LabelMap: pass labelClasses so the column knows its classes.", property.Name));
        throw new SchemaException($"Property '{property.Name}' has type {t.Name}, which no column can hold (use float, double, int, long, byte, bool, string, float[], RgbImage, LabelMap or Tensor).", property.Name);
    }

    private sealed class EnumerableDataView<TRow>(IEnumerable<TRow> rows, DataViewSchema schema, PropertyInfo[] properties) : IDataView
    {
        private readonly IEnumerable<TRow> source = rows;
        private readonly PropertyInfo[] getters = properties;

        public DataViewSchema Schema => schema;

        public bool CanShuffle => false;

        public long? GetRowCount() => source.TryGetNonEnumeratedCount(out int count) ? count : null;

        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? random = null) =>
            new Cursor(this, columnsNeeded.Select(c => c.Index).ToHashSet());

        private sealed class Cursor(EnumerableDataView<TRow> view, HashSet<int> active) : DataViewRowCursor
        {
            private readonly IEnumerator<TRow> rows = view.source.GetEnumerator();
            private long position = -1;

            public override DataViewSchema Schema => view.Schema;

            public override long Position => position;

            public override bool MoveNext()
            {
                if (!rows.MoveNext()) return false;
                position++;
                return true;
            }

            public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

            public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
            {
                CheckGetter<TValue>(column);
                var property = view.getters[column.Index];
                return (ref TValue value) =>
                {
                    if (position < 0) throw new InvalidOperationException("Call MoveNext before reading a value.");
                    value = (TValue)property.GetValue(rows.Current)!;
                };
            }

            protected override void Dispose(bool disposing) => rows.Dispose();
        }
    }
}
