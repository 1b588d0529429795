using Segmentation.ML.Tensors;
using Segmentation.ML.Tensors.Kernels;
using Segmentation.ML.Tensors.Reference;

namespace Segmentation.ML.Tests.Tensors;

[Trait("Category", "Kernels")]
public class Conv2dTests
{
    private static readonly Conv2dShape[] DenseShapes =
    [
        new(1, 3, 7, 9, 5),
        new(2, 4, 13, 11, 7),
        new(1, 17, 5, 33, 9),
        new(1, 3, 1, 1, 4),
        new(1, 64, 14, 14, 33),
        new(1, 3, 31, 33, 8, Stride: 2),
        new(1, 5, 8, 8, 6, Stride: 2),
        new(1, 7, 9, 13, 33, KernelSize: 1, Padding: 0),
        new(1, 33, 1, 1, 7, KernelSize: 1, Padding: 0),
        new(1, 2, 6, 7, 3, KernelSize: 5, Stride: 2, Padding: 2),
    ];

    private static readonly Conv2dShape[] DepthwiseShapes =
    [
        new(1, 7, 9, 13, 7, Groups: 7),
        new(2, 16, 17, 17, 16, Groups: 16),
        new(1, 5, 31, 33, 5, Stride: 2, Groups: 5),
        new(1, 3, 1, 1, 3, Groups: 3),
        new(1, 4, 40, 37, 4, Stride: 2, Groups: 4),
    ];

    public static TheoryData<int, int, FusedActivation, bool> DenseCases() => Cases(DenseShapes.Length);

    public static TheoryData<int, int, FusedActivation, bool> DepthwiseCases() => Cases(DepthwiseShapes.Length);

    private static TheoryData<int, int, FusedActivation, bool> Cases(int count)
    {
        var data = new TheoryData<int, int, FusedActivation, bool>();
        foreach (int bits in KernelAssert.SupportedWidths())
            for (int i = 0; i < count; i++)
                data.Add(bits, i, (FusedActivation)(i % 3), i % 2 == 0);
        return data;
    }

    [Theory]
    [MemberData(nameof(DenseCases))]
    public void DenseMatchesReference(int vectorBits, int index, FusedActivation activation, bool withBias) =>
        CheckAgainstReference(DenseShapes[index], vectorBits, activation, withBias);

    [Theory]
    [MemberData(nameof(DepthwiseCases))]
    public void DepthwiseMatchesReference(int vectorBits, int index, FusedActivation activation, bool withBias) =>
        CheckAgainstReference(DepthwiseShapes[index], vectorBits, activation, withBias);

    private static void CheckAgainstReference(Conv2dShape shape, int vectorBits, FusedActivation activation, bool withBias)
    {
        var input = KernelAssert.Random((int)shape.InputLength, 11, 4f);
        var weights = KernelAssert.Random((int)shape.WeightLength, 12);
        var bias = withBias ? KernelAssert.Random(shape.OutChannels, 13) : [];
        var expected = new float[shape.OutputLength];
        var magnitude = new float[shape.OutputLength];
        ReferenceKernels.Conv2d(shape, input, weights, bias, expected, activation);
        ReferenceKernels.Conv2d(shape, KernelAssert.Abs(input), KernelAssert.Abs(weights), KernelAssert.Abs(bias), magnitude, FusedActivation.None);

        var actual = Enumerable.Repeat(float.NaN, (int)shape.OutputLength).ToArray();
        using (KernelAssert.ForceWidth(vectorBits))
            Conv2d.Forward(shape, input, weights, bias, actual, activation);

        int terms = shape.InChannels / shape.Groups * shape.KernelSize * shape.KernelSize + 1;
        KernelAssert.WithinSummationBound(expected, actual, magnitude, terms, $"{vectorBits}-bit {shape} {activation}");
    }

    [Fact]
    public void PaddedChainOfConvolutionsAndPoolingMatchesReference()
    {
        var first = new Conv2dShape(1, 3, 11, 13, 8);
        var second = new Conv2dShape(1, 8, 5, 6, 16);
        var image = KernelAssert.Random((int)first.InputLength, 21, 2f);
        var w1 = KernelAssert.Random((int)first.WeightLength, 22);
        var b1 = KernelAssert.Random(8, 23);
        var w2 = KernelAssert.Random((int)second.WeightLength, 24);

        var r1 = new float[first.OutputLength];
        ReferenceKernels.Conv2d(first, image, w1, b1, r1, FusedActivation.Relu);
        var pooled = new float[8 * 5 * 6];
        ReferenceKernels.MaxPool2x2(r1, 8, 11, 13, pooled);
        var expected = new float[second.OutputLength];
        ReferenceKernels.Conv2d(second, pooled, w2, [], expected, FusedActivation.None);

        using var x = PaddedPlanes.FromNchw(image, 3, 11, 13);
        using var y1 = new PaddedPlanes(8, 11, 13);
        ConvolutionKernels.Conv3x3(x, w1, b1, FusedActivation.Relu, y1);
        using var p1 = new PaddedPlanes(8, 5, 6);
        MaxPool2d.Forward2x2(y1, p1);
        using var y2 = new PaddedPlanes(16, 5, 6);
        ConvolutionKernels.Conv3x3(p1, w2, [], FusedActivation.None, y2);
        var actual = new float[expected.Length];
        y2.CopyTo(actual);

        KernelAssert.Close(expected, actual, 1e-4, 1e-4, "conv → pool → conv in padded layout");
        Assert.All(Enumerable.Range(0, 7), x => Assert.Equal(0f, y2.Buffer[x]));
    }

    [Fact]
    public void TensorOverloadComputesOutputShape()
    {
        using var input = Tensor.FromValues(KernelAssert.Random(2 * 3 * 10 * 7, 31), 2, 3, 10, 7);
        using var weights = Tensor.FromValues(KernelAssert.Random(4 * 3 * 9, 32), 4, 3, 3, 3);
        using var output = Conv2d.Forward(input, weights, null, stride: 2, padding: 1);
        Assert.Equal(new[] { 2, 4, 5, 4 }, output.Shape.ToArray());
    }

    [Fact]
    public void InconsistentArgumentsAreRefusedWithTypedErrors()
    {
        var shape = new Conv2dShape(1, 3, 4, 4, 2);
        var input = new float[48];
        var weights = new float[54];
        var output = new float[32];
        var wrongWeights = Assert.Throws<TensorShapeException>(() => Conv2d.Forward(shape, input, new float[53], [], output));
        Assert.Equal("weights", wrongWeights.ParamName);
        Assert.Contains("54", wrongWeights.Message);
        Assert.Throws<TensorShapeException>(() => Conv2d.Forward(shape, input, weights, new float[3], output));
        Assert.Throws<TensorShapeException>(() => Conv2d.Forward(shape, input, weights, [], new float[31]));
        Assert.Throws<TensorShapeException>(() => Conv2d.Forward(shape with { Groups = 2 }, input, weights, [], output));
        Assert.Throws<TensorShapeException>(() => Conv2d.Forward(shape with { Stride = 0 }, input, weights, [], output));
        using var image = Tensor.Zeros(1, 3, 4, 4);
        using var filters = Tensor.Zeros(2, 5, 3, 3);
        var channels = Assert.Throws<TensorShapeException>(() => Conv2d.Forward(image, filters, null));
        Assert.Contains("5 input channels", channels.Message);
    }
}
