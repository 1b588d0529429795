using Onnx;
using Segmentation.ML.Onnx;

namespace Segmentation.ML.Tests.Onnx;

public class OnnxSessionTests
{
    [Fact]
    public void ModelsOnnxRuntimeRefusesRaiseATypedErrorNamingTheModel()
    {
        var garbage = Assert.Throws<OnnxModelException>(() => new OnnxSession([1, 2, 3, 4], "a test model"));
        Assert.StartsWith("ONNX Runtime refused a test model: ", garbage.Message);
        Assert.NotNull(garbage.InnerException);

        var builder = new OnnxGraphBuilder("unknown operator");
        string input = builder.AddInput("x", "N");
        builder.AddOutput(builder.Op("NoSuchOperator", [input]), "y", TensorProto.Types.DataType.Float, "N");
        var unknown = Assert.Throws<OnnxModelException>(() => new OnnxSession(builder.ToBytes(), "the unknown-operator graph"));
        Assert.Contains("NoSuchOperator", unknown.Message);
    }

    [Fact]
    public void ThreadCountMustBePositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new OnnxSession([], "an empty model", intraOpThreads: 0));
}
