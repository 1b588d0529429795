using Microsoft.ML;
using Microsoft.ML.Data;

namespace Segmentation.ML.Data;

/// <summary>
/// A data view lacks a column a component reads, or holds it with another type. Like ML.NET's own schema
/// errors it is an <see cref="ArgumentOutOfRangeException"/>; its message names the column, the expected and
/// the actual type, and what to do.
/// </summary>
public sealed class SchemaException(string message, string columnName) : ArgumentOutOfRangeException(columnName, message)
{
    /// <summary>The column concerned.</summary>
    public string ColumnName { get; } = columnName;

    /// <summary>The column named <paramref name="name"/> of <paramref name="schema"/>, checked to satisfy <paramref name="accepts"/>.</summary>
    /// <param name="schema">The data's schema.</param>
    /// <param name="name">The column the component reads.</param>
    /// <param name="accepts">Whether the column's type is one the component reads.</param>
    /// <param name="expected">The expected type in words, e.g. "Image (see LoadImages)".</param>
    /// <param name="component">The component, e.g. "ExtractHypercolumns".</param>
    /// <exception cref="SchemaException">The column is missing or of another type.</exception>
    internal static DataViewSchema.Column Require(DataViewSchema schema, string name, Func<DataViewType, bool> accepts, string expected, string component)
    {
        var column = schema.GetColumnOrNull(name)
            ?? throw new SchemaException($"{component} needs an input column '{name}' ({expected}); the data has: {Describe(schema)}.", name);
        if (!accepts(column.Type))
            throw new SchemaException($"{component} reads column '{name}' as {expected}, but it is {column.Type}. Point the component at another column or convert this one.", name);
        return column;
    }

    /// <summary>The visible columns as "Name (Type), …".</summary>
    internal static string Describe(DataViewSchema schema) =>
        string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"{c.Name} ({c.Type})"));
}
