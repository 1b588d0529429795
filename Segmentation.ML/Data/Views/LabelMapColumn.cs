using Microsoft.ML;
using Microsoft.ML.Data;
using Segmentation.ML.Imaging;

namespace Segmentation.ML.Data;

/// <summary>
/// How a label map lives in an ML.NET data view: a vector of keys, one per pixel in row-major order, in
/// ML.NET's own encoding of categories — key 0 is missing (the dataset's ignore label), key k + 1 is class k —
/// with the class names as the column's <c>KeyValues</c> annotation and the whole class set (name, ignore
/// value, palette) as a <see cref="ClassSetAnnotation"/> text annotation. The map's height and width are the
/// row's image's.
/// </summary>
public static class LabelMapColumn
{
    /// <summary>The annotation holding the class set as JSON (the format of <see cref="SegmentationClassSet.Load"/>).</summary>
    public const string ClassSetAnnotation = "SegmentationClassSet";

    /// <summary>The column type of label maps over <paramref name="classes"/>: a variable-length vector of keys 1…C.</summary>
    public static VectorDataViewType Type(SegmentationClassSet classes) =>
        new(new KeyDataViewType(typeof(uint), (ulong)classes.ClassCount));

    /// <summary>The annotations of a label column: KeyValues (class names) and the class set.</summary>
    public static DataViewSchema.Annotations Annotations(SegmentationClassSet classes)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        var names = new VBuffer<ReadOnlyMemory<char>>(classes.ClassCount, classes.ClassNames.Select(n => n.AsMemory()).ToArray());
        builder.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classes.ClassCount), (ValueGetter<VBuffer<ReadOnlyMemory<char>>>)((ref VBuffer<ReadOnlyMemory<char>> value) => names.CopyTo(ref value)));
        string json = classes.ToJson();
        builder.Add(ClassSetAnnotation, TextDataViewType.Instance, (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = json.AsMemory()));
        return builder.ToAnnotations();
    }

    /// <summary>
    /// The classes of a label column: the class set annotation when present, else the KeyValues names (no
    /// palette), else "class 0" … for a bare key vector.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is not a vector of keys (the message names it and its type).</exception>
    public static SegmentationClassSet GetClasses(DataViewSchema.Column column)
    {
        if (column.Type is not VectorDataViewType { ItemType: KeyDataViewType key } || key.Count is 0 or > 255)
            throw new ArgumentOutOfRangeException(nameof(column),
                $"Column '{column.Name}' is {column.Type}; a label map column is a vector of keys with 1 to 255 classes (see LabelMapColumn).");
        int count = (int)key.Count;
        if (column.Annotations.Schema.GetColumnOrNull(ClassSetAnnotation) is { Type: TextDataViewType } annotation)
        {
            ReadOnlyMemory<char> json = default;
            column.Annotations.GetValue(annotation.Name, ref json);
            var classes = SegmentationClassSet.Parse(System.Text.Encoding.UTF8.GetBytes(json.ToString()));
            if (classes.ClassCount != count)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' has {count} keys but its class set annotation names {classes.ClassCount} classes.");
            return classes;
        }
        var names = Enumerable.Range(0, count).Select(i => $"class {i}").ToArray();
        if (column.HasKeyValues())
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.GetKeyValues(ref values);
            var dense = values.DenseValues().Select(v => v.ToString()).ToArray();
            if (dense.Length == count && dense.Distinct(StringComparer.Ordinal).Count() == count && dense.All(n => !string.IsNullOrWhiteSpace(n))) names = dense;
        }
        return new SegmentationClassSet(column.Name, names, (byte)count);
    }

    /// <summary>Writes the keys of <paramref name="labels"/>: class k → k + 1, any other value (ignore) → 0.</summary>
    public static void ToKeys(LabelMap labels, int classCount, ref VBuffer<uint> keys)
    {
        var source = labels.Labels;
        var editor = VBufferEditor.Create(ref keys, source.Length);
        var destination = editor.Values;
        for (int i = 0; i < source.Length; i++)
            destination[i] = source[i] < classCount ? source[i] + 1u : 0u;
        keys = editor.Commit();
    }

    /// <summary>
    /// The label map of a row's keys: key k + 1 → class k, key 0 (missing) → <paramref name="ignoreValue"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The keys are not <paramref name="width"/> × <paramref name="height"/> long, or a key exceeds <paramref name="classCount"/>.</exception>
    public static LabelMap ToLabelMap(in VBuffer<uint> keys, int width, int height, int classCount, byte ignoreValue)
    {
        if (keys.Length != (long)width * height)
            throw new ArgumentException($"A {width}×{height} label map needs {(long)width * height} keys; the row has {keys.Length}.", nameof(keys));
        var labels = new byte[keys.Length];
        if (!keys.IsDense) labels.AsSpan().Fill(ignoreValue);
        var values = keys.GetValues();
        var indices = keys.IsDense ? default : keys.GetIndices();
        for (int i = 0; i < values.Length; i++)
        {
            uint key = values[i];
            if (key > classCount) throw new ArgumentException($"Key {key} is beyond the {classCount} classes.", nameof(keys));
            labels[keys.IsDense ? i : indices[i]] = key == 0 ? ignoreValue : (byte)(key - 1);
        }
        return new LabelMap(width, height, labels);
    }
}
