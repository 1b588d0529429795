using System.Text;

namespace Segmentation.ML.Tensors;

/// <summary>
/// A dense float32 tensor in row-major (NCHW for images) layout over a pooled buffer.
/// The tensor owns its buffer: <see cref="Dispose"/> returns it to the pool, after which any access throws.
/// </summary>
public sealed class Tensor : IDisposable
{
    private readonly int[] shape;
    private readonly TensorPool? pool;
    private float[]? buffer;

    private Tensor(int[] shape, float[] buffer, TensorPool? pool)
    {
        this.shape = shape;
        this.buffer = buffer;
        this.pool = pool;
        Length = checked((int)ShapeLength(shape));
    }

    /// <summary>Creates a zero-filled tensor from the shared pool.</summary>
    /// <exception cref="TensorShapeException">A dimension is negative, or the shape has no or more than 6 dimensions.</exception>
    public static Tensor Zeros(params int[] shape)
    {
        var tensor = Uninitialized(shape);
        tensor.Span.Clear();
        return tensor;
    }

    /// <summary>Creates a tensor whose contents are undefined (to be overwritten by a kernel).</summary>
    public static Tensor Uninitialized(int[] shape, TensorPool? pool = null)
    {
        long length = ShapeLength(ValidateShape(shape));
        if (length > Array.MaxLength)
            throw new TensorShapeException($"A tensor of shape {Format(shape)} has {length} elements; at most {Array.MaxLength} fit in one buffer.", nameof(shape));
        pool ??= TensorPool.Shared;
        return new Tensor((int[])shape.Clone(), pool.Rent((int)length), pool);
    }

    /// <summary>Wraps a copy of <paramref name="values"/> in a tensor of the given shape.</summary>
    /// <exception cref="TensorShapeException">The number of values differs from the shape's element count.</exception>
    public static Tensor FromValues(ReadOnlySpan<float> values, params int[] shape)
    {
        var tensor = Uninitialized(shape);
        if (values.Length != tensor.Length)
        {
            tensor.Dispose();
            throw new TensorShapeException($"Shape {Format(shape)} needs {tensor.Length} values; {values.Length} were given.", nameof(values));
        }
        values.CopyTo(tensor.Span);
        return tensor;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => shape.Length;

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>The elements in row-major order.</summary>
    /// <exception cref="ObjectDisposedException">The tensor was disposed.</exception>
    public Span<float> Span => Buffer.AsSpan(0, Length);

    /// <summary>The size of dimension <paramref name="axis"/>; negative axes count from the end.</summary>
    public int Dim(int axis) => shape[axis < 0 ? shape.Length + axis : axis];

    internal float[] Buffer => buffer ?? throw new ObjectDisposedException(nameof(Tensor), "The tensor was disposed; its buffer went back to the pool.");

    /// <summary>A new tensor with the same values and another shape of the same element count.</summary>
    public Tensor Reshape(params int[] newShape)
    {
        if (ShapeLength(ValidateShape(newShape)) != Length)
            throw new TensorShapeException($"Cannot reshape {Format(shape)} ({Length} elements) to {Format(newShape)}.", nameof(newShape));
        return FromValues(Span, newShape);
    }

    /// <summary>Returns the buffer to its pool. Safe to call twice.</summary>
    public void Dispose()
    {
        var owned = Interlocked.Exchange(ref buffer, null);
        if (owned is not null) pool?.Return(owned);
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor{Format(shape)}" + (buffer is null ? " (disposed)" : "");

    internal static string Format(ReadOnlySpan<int> dims)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < dims.Length; i++) text.Append(i == 0 ? "" : ", ").Append(dims[i]);
        return text.Append(']').ToString();
    }

    private static int[] ValidateShape(int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        if (dims.Length is 0 or > 6)
            throw new TensorShapeException($"A tensor has 1 to 6 dimensions; {dims.Length} were given.", "shape");
        foreach (int d in dims)
            if (d < 0) throw new TensorShapeException($"Dimensions must be non-negative; got {Format(dims)}.", "shape");
        return dims;
    }

    private static long ShapeLength(int[] dims)
    {
        long length = 1;
        foreach (int d in dims) length *= d;
        return length;
    }
}
