using Segmentation.ML.Imaging;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Data;

/// <summary>The type of a data view column: what a getter returns (<see cref="RawType"/>) and how to describe it.</summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    private protected DataViewType(Type rawType) => RawType = rawType;

    /// <summary>The .NET type a getter of this column returns.</summary>
    public Type RawType { get; }

    /// <inheritdoc />
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DataViewType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(RawType, ToString());
}

/// <summary>A scalar number: <see cref="float"/>, <see cref="double"/>, <see cref="int"/>, <see cref="long"/> or <see cref="byte"/>.</summary>
public sealed class NumberDataViewType : DataViewType
{
    private NumberDataViewType(Type type, string name) : base(type) => Name = name;

    private string Name { get; }

    /// <summary>float.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float), "Single");

    /// <summary>double.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double), "Double");

    /// <summary>int.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int), "Int32");

    /// <summary>long.</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long), "Int64");

    /// <summary>byte.</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte), "Byte");

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => ReferenceEquals(this, other);

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Text (<see cref="string"/>).</summary>
public sealed class TextDataViewType : DataViewType
{
    private TextDataViewType() : base(typeof(string)) { }

    /// <summary>The one text type.</summary>
    public static TextDataViewType Instance { get; } = new();

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is TextDataViewType;

    /// <inheritdoc />
    public override string ToString() => "Text";
}

/// <summary>A boolean.</summary>
public sealed class BooleanDataViewType : DataViewType
{
    private BooleanDataViewType() : base(typeof(bool)) { }

    /// <summary>The one boolean type.</summary>
    public static BooleanDataViewType Instance { get; } = new();

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is BooleanDataViewType;

    /// <inheritdoc />
    public override string ToString() => "Boolean";
}

/// <summary>An RGB image (<see cref="RgbImage"/>, H×W×3 bytes); <see cref="Height"/> and <see cref="Width"/> are 0 when they vary by row.</summary>
public sealed class ImageDataViewType(int height = 0, int width = 0) : DataViewType(typeof(RgbImage))
{
    /// <summary>Fixed height, or 0 when images differ.</summary>
    public int Height { get; } = height;

    /// <summary>Fixed width, or 0 when images differ.</summary>
    public int Width { get; } = width;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is ImageDataViewType i && i.Height == Height && i.Width == Width;

    /// <inheritdoc />
    public override string ToString() => Height > 0 ? $"Image<{Height}×{Width}×3>" : "Image<H×W×3>";
}

/// <summary>
/// A label map (<see cref="LabelMap"/>, H×W bytes) whose values are the classes of <see cref="Classes"/>
/// (names, ignore value, palette) — the way ML.NET key types carry their key values.
/// </summary>
public sealed class LabelMapDataViewType(SegmentationClassSet classes, int height = 0, int width = 0) : DataViewType(typeof(LabelMap))
{
    /// <summary>Class names, ignore value and palette of the labels.</summary>
    public SegmentationClassSet Classes { get; } = classes ?? throw new ArgumentNullException(nameof(classes));

    /// <summary>Fixed height, or 0 when maps differ.</summary>
    public int Height { get; } = height;

    /// <summary>Fixed width, or 0 when maps differ.</summary>
    public int Width { get; } = width;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) =>
        other is LabelMapDataViewType l && l.Height == Height && l.Width == Width && l.Classes.ClassNames.SequenceEqual(Classes.ClassNames) && l.Classes.IgnoreValue == Classes.IgnoreValue;

    /// <inheritdoc />
    public override string ToString() => $"LabelMap<{(Height > 0 ? $"{Height}×{Width}" : "H×W")}, {Classes.ClassCount} classes {Classes.Name}>";
}

/// <summary>A vector of floats (<see cref="float"/>[]); <see cref="Size"/> is 0 when it varies by row.</summary>
public sealed class VectorDataViewType(int size = 0) : DataViewType(typeof(float[]))
{
    /// <summary>Fixed length, or 0 when lengths vary.</summary>
    public int Size { get; } = size;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is VectorDataViewType v && v.Size == Size;

    /// <inheritdoc />
    public override string ToString() => Size > 0 ? $"Vector<Single, {Size}>" : "Vector<Single>";
}

/// <summary>
/// A float tensor (<see cref="Tensor"/>), e.g. a normalised image [3, H, W] or a feature map [C, h, w].
/// <see cref="Dimensions"/> has −1 where a dimension varies by row. A tensor a getter returns belongs to
/// the cursor and stays valid until the next <see cref="DataViewRowCursor.MoveNext"/>; keep a copy to hold it longer.
/// </summary>
public sealed class TensorDataViewType(params int[] dimensions) : DataViewType(typeof(Tensor))
{
    /// <summary>Dimensions, −1 where they vary.</summary>
    public IReadOnlyList<int> Dimensions { get; } = dimensions;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is TensorDataViewType t && t.Dimensions.SequenceEqual(Dimensions);

    /// <inheritdoc />
    public override string ToString() => $"Tensor<Single, [{string.Join(", ", Dimensions.Select(d => d < 0 ? "?" : d.ToString()))}]>";
}
