using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>One output of a run: its values (float[] or uint[]) and shape.</summary>
internal sealed record OrtOutput(Array Values, long[] Shape)
{
    public float[] Floats => (float[])Values;

    public uint[] UInts => (uint[])Values;
}

/// <summary>
/// A graph built in a test, run by ONNX Runtime from its bytes on one intra-op thread that sleeps rather
/// than spins while waiting (the test machine's cores are shared).
/// </summary>
internal sealed class OrtTestSession : IDisposable
{
    private readonly SessionOptions options = new() { IntraOpNumThreads = 1 };
    private readonly InferenceSession session;

    public OrtTestSession(byte[] model)
    {
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            session = new InferenceSession(model, options);
        }
        catch
        {
            options.Dispose();
            throw;
        }
    }

    /// <summary>Runs the graph on float inputs and copies out the named outputs.</summary>
    public OrtOutput[] Run(IReadOnlyList<(string Name, float[] Values, long[] Shape)> inputs, params string[] outputs)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var input in inputs) values.Add(OrtValue.CreateTensorValueFromMemory(input.Values, input.Shape));
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, outputs);
            return results.Select(Copy).ToArray();
        }
        finally
        {
            foreach (var value in values) value.Dispose();
        }
    }

    private static OrtOutput Copy(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        Array values = info.ElementDataType switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.UInt32 => value.GetTensorDataAsSpan<uint>().ToArray(),
            var type => throw new NotSupportedException($"Outputs of type {type} are not read by the tests."),
        };
        return new OrtOutput(values, info.Shape);
    }

    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
    }
}
