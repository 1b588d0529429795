using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tests.Tensors;

[Trait("Category", "Kernels")]
public class ResizeTests
{
    [Fact]
    public void BilinearMatchesPyTorchOnKnownValues()
    {
        // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=(4, 4), mode="bilinear", align_corners=False)
        float[] up =
        [
            1.00f, 1.25f, 1.75f, 2.00f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.50f, 2.75f, 3.25f, 3.50f,
            3.00f, 3.25f, 3.75f, 4.00f,
        ];
        var actual = new float[16];
        Resize.Bilinear([1f, 2f, 3f, 4f], 1, 2, 2, actual, 4, 4);
        Assert.Equal(up, actual);

        // interpolate(torch.arange(5.).view(1, 1, 1, 5), size=(1, 3), ...): scale 5/3, sources 1/3, 2, 11/3.
        var down = new float[3];
        Resize.Bilinear([0f, 1f, 2f, 3f, 4f], 1, 1, 5, down, 1, 3);
        KernelAssert.Close([1f / 3f, 2f, 11f / 3f], down, 1e-6, 1e-6, "5 → 3");
    }

    public static TheoryData<int, int, int, int> ResizeCases() => new()
    {
        { 7, 9, 31, 33 }, { 31, 33, 7, 9 }, { 1, 1, 5, 3 }, { 45, 60, 360, 480 }, { 13, 13, 13, 13 }, { 3, 17, 8, 2 },
    };

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void BilinearEqualsReference(int inH, int inW, int outH, int outW)
    {
        const int planes = 2;
        var input = KernelAssert.Random(planes * inH * inW, 42);
        var expected = new float[planes * outH * outW];
        ReferenceKernels.Bilinear(input, planes, inH, inW, expected, outH, outW);
        var actual = new float[expected.Length];
        Resize.Bilinear(input, planes, inH, inW, actual, outH, outW);
        // Two float32 weights, each within ε of the float64 ones, times |x| ≤ 1, in two rounds of blending.
        KernelAssert.Close(expected, actual, 0, 8 * KernelAssert.Epsilon, $"{inH}×{inW} → {outH}×{outW}");
    }

    [Theory]
    [MemberData(nameof(ResizeCases))]
    public void BilinearBackwardIsTheExactAdjoint(int inH, int inW, int outH, int outW)
    {
        const int planes = 2;
        var x = KernelAssert.Random(planes * inH * inW, 43);
        var g = KernelAssert.Random(planes * outH * outW, 44);
        var y = new float[g.Length];
        var gx = new float[x.Length];
        Resize.Bilinear(x, planes, inH, inW, y, outH, outW);
        Resize.BilinearBackward(g, planes, outH, outW, gx, inH, inW);

        double forward = 0, backward = 0, scale = 0;
        for (int i = 0; i < y.Length; i++) { forward += (double)y[i] * g[i]; scale += Math.Abs((double)y[i] * g[i]); }
        for (int i = 0; i < x.Length; i++) backward += (double)x[i] * gx[i];
        Assert.True(Math.Abs(forward - backward) <= 1e-5 * scale + 1e-6, $"<Ax, g> = {forward}, <x, Aᵀg> = {backward}");

        var expected = new float[x.Length];
        ReferenceKernels.BilinearBackward(g, planes, outH, outW, expected, inH, inW);
        KernelAssert.Close(expected, gx, 1e-5, 1e-5, "adjoint vs reference");
    }

    [Fact]
    public void NearestFollowsPyTorchIndexing()
    {
        var output = new byte[5];
        Resize.Nearest([10, 20, 30], 1, 3, output, 1, 5);
        Assert.Equal(new byte[] { 10, 10, 20, 20, 30 }, output);

        var down = new byte[2];
        Resize.Nearest([1, 2, 3, 4, 5], 1, 5, down, 1, 2);
        Assert.Equal(new byte[] { 1, 3 }, down);
    }

    [Fact]
    public void WrongLengthsAreRefused()
    {
        Assert.Throws<TensorShapeException>(() => Resize.Bilinear(new float[4], 1, 2, 2, new float[15], 4, 4));
        Assert.Throws<TensorShapeException>(() => Resize.Bilinear(new float[4], 1, 2, 2, new float[0], 0, 4));
        Assert.Throws<TensorShapeException>(() => Resize.Nearest(new byte[4], 2, 3, new byte[4], 2, 2));
    }
}
