using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Segmentation.ML.Data;

/// <summary>
/// <see cref="SchemaShape"/>s for our estimators' <c>GetOutputSchema</c>. ML.NET builds them from a schema with
/// <c>SchemaShape.Create</c>, which (like <c>SchemaShape.Column</c>'s constructor) is internal to ML.NET, so a
/// third-party estimator has no public way to describe a new column; this calls that one method by reflection
/// (checked once, with a clear error if an ML.NET version lacks it).
/// </summary>
internal static class SchemaShapes
{
    private static readonly MethodInfo Create = typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])
        ?? throw new MissingMethodException($"This ML.NET ({typeof(SchemaShape).Assembly.GetName().Version}) has no internal SchemaShape.Create(DataViewSchema); Segmentation.ML is built for Microsoft.ML 5.0.1.");

    /// <summary>The shape of <paramref name="schema"/>.</summary>
    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)Create.Invoke(null, [schema])!;

    /// <summary><paramref name="input"/> with <paramref name="added"/>'s columns, which replace input columns of the same names.</summary>
    public static SchemaShape With(SchemaShape input, DataViewSchema added) =>
        new(input.Where(c => added.GetColumnOrNull(c.Name) is null).Concat(Of(added)));

    /// <summary>
    /// Whether a shape column can be a label map: a vector of keys. (A shape keeps that a column is a key, not how
    /// many keys; the class count is checked against the data when fitting.)
    /// </summary>
    public static bool IsLabelMap(SchemaShape.Column column) =>
        column.IsKey && column.Kind != SchemaShape.Column.VectorKind.Scalar;

    /// <summary>The shape of a label map column written by a trainer (the class count is the data's, known at fit time).</summary>
    public static DataViewType PredictedLabelType { get; } = new VectorDataViewType(new KeyDataViewType(typeof(uint), 1));

    /// <summary>The annotations of that column: KeyValues (the class indices, as MapValueToKey writes them).</summary>
    public static DataViewSchema.Annotations PredictedLabelAnnotations { get; } = KeyValues();

    private static DataViewSchema.Annotations KeyValues()
    {
        var builder = new DataViewSchema.Annotations.Builder();
        var values = new VBuffer<uint>(1, [0u]);
        builder.Add("KeyValues", new VectorDataViewType(NumberDataViewType.UInt32, 1), (ValueGetter<VBuffer<uint>>)((ref VBuffer<uint> value) => values.CopyTo(ref value)));
        return builder.ToAnnotations();
    }
}
