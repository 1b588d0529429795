using Segmentation.ML.Tensors;

namespace Segmentation.ML.Tests.Tensors;

public class TensorTests
{
    [Fact]
    public void TensorOwnsItsBufferUntilDisposed()
    {
        var tensor = Tensor.FromValues([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        Assert.Equal(6, tensor.Length);
        Assert.Equal(3, tensor.Dim(-1));
        Assert.Equal(5f, tensor.Span[4]);
        tensor.Dispose();
        tensor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => tensor.Span.Length);
        Assert.Contains("disposed", tensor.ToString());
    }

    [Fact]
    public void BadShapesAreRefused()
    {
        Assert.Throws<TensorShapeException>(() => Tensor.Zeros(2, -1));
        Assert.Throws<TensorShapeException>(() => Tensor.Zeros());
        var wrongCount = Assert.Throws<TensorShapeException>(() => Tensor.FromValues([1f, 2f, 3f], 2, 2));
        Assert.Contains("needs 4 values", wrongCount.Message);
        using var t = Tensor.Zeros(2, 3);
        Assert.Throws<TensorShapeException>(() => t.Reshape(4, 2));
        using var r = t.Reshape(3, 2);
        Assert.Equal(new[] { 3, 2 }, r.Shape.ToArray());
    }

    [Fact]
    public void PoolReusesBuffersWithinItsCapAndTrims()
    {
        var pool = new TensorPool(maxRetainedBytes: 4096 * sizeof(float));
        var first = pool.Rent(1000);
        Assert.True(first.Length >= 1000);
        pool.Return(first);
        Assert.Same(first, pool.Rent(900));
        pool.Return(first);

        pool.Return(pool.Rent(3000));
        Assert.True(pool.RetainedBytes <= pool.MaxRetainedBytes, $"{pool.RetainedBytes} retained over a cap of {pool.MaxRetainedBytes}");

        pool.Trim();
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Throws<ArgumentException>(() => pool.Return(new float[1000]));

        using var tensor = Tensor.Uninitialized([10, 10], pool);
        Assert.Equal(100, tensor.Length);
    }
}
