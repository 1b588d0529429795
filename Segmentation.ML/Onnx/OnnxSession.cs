using Microsoft.ML.OnnxRuntime;
using Segmentation.ML.Tensors;

namespace Segmentation.ML.Onnx;

/// <summary>Thrown when ONNX Runtime refuses a model the library built or loaded, or fails to run it.</summary>
public sealed class OnnxModelException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// An ONNX Runtime session over a model held in memory (nothing is written to disk), with the options the
/// library runs every graph with: all graph optimisations, <see cref="TensorKernels.MaxDegreeOfParallelism"/>
/// intra-op threads unless told otherwise, and no spinning. Runs are thread-safe; disposing is not safe
/// while a run is in progress.
/// </summary>
internal sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly string description;
    private bool disposed;

    /// <summary>Creates the session.</summary>
    /// <param name="model">A serialised ONNX model.</param>
    /// <param name="description">What the model is, for error messages (e.g. "the vgg16 backbone to features.29").</param>
    /// <param name="intraOpThreads">Threads of one run; null for <see cref="TensorKernels.MaxDegreeOfParallelism"/> (all cores unless set).</param>
    /// <exception cref="OnnxModelException">ONNX Runtime refuses the model; the message gives its reason.</exception>
    public OnnxSession(byte[] model, string description, int? intraOpThreads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (intraOpThreads is < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "At least one thread is needed.");
        this.description = description;
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = intraOpThreads ?? TensorKernels.MaxDegreeOfParallelism,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Spinning workers keep every core busy between runs and starve the rest of the process (the head's
        // GEMM, decoding) and the other processes on a shared machine; waking them costs little per run.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        try
        {
            session = new InferenceSession(model, options);
        }
        catch (OnnxRuntimeException error)
        {
            throw new OnnxModelException($"ONNX Runtime refused {description}: {error.Message}", error);
        }
    }

    /// <summary>Runs the graph and returns the requested outputs in tensors ONNX Runtime allocates (for outputs whose shape the caller cannot know); the caller disposes them.</summary>
    /// <exception cref="OnnxModelException">The run failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IDisposableReadOnlyCollection<OrtValue> Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs, IReadOnlyList<string> outputNames,
        CancellationToken cancellation = default) =>
        Execute(runOptions => session.Run(runOptions, (IReadOnlyCollection<string>)inputNames, (IReadOnlyCollection<OrtValue>)inputs, (IReadOnlyCollection<string>)outputNames), cancellation);

    /// <summary>
    /// Runs the graph on <paramref name="inputs"/> and writes the named outputs into the caller's
    /// pre-allocated <paramref name="outputs"/> (no copies when they wrap the caller's memory).
    /// </summary>
    /// <param name="cancellation">Terminates the run as soon as ONNX Runtime checks (between nodes).</param>
    /// <exception cref="ObjectDisposedException">The session was disposed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="OnnxModelException">The run failed (for example an output's shape differs from the graph's); the message says why.</exception>
    public void Run(IReadOnlyList<string> inputNames, IReadOnlyList<OrtValue> inputs, IReadOnlyList<string> outputNames, IReadOnlyList<OrtValue> outputs,
        CancellationToken cancellation = default) =>
        Execute(runOptions =>
        {
            session.Run(runOptions, (IReadOnlyCollection<string>)inputNames, (IReadOnlyCollection<OrtValue>)inputs,
                (IReadOnlyCollection<string>)outputNames, (IReadOnlyCollection<OrtValue>)outputs);
            return 0;
        }, cancellation);

    private T Execute<T>(Func<RunOptions, T> run, CancellationToken cancellation)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        cancellation.ThrowIfCancellationRequested();
        using var runOptions = new RunOptions();
        using var registration = cancellation.CanBeCanceled ? cancellation.Register(() => runOptions.Terminate = true) : default;
        T result;
        try
        {
            result = run(runOptions);
        }
        catch (OnnxRuntimeException error)
        {
            cancellation.ThrowIfCancellationRequested();
            throw new OnnxModelException($"ONNX Runtime failed to run {description}: {error.Message}", error);
        }

        // A cancellation that arrived after ONNX Runtime's last check (or whose timer fired late on a busy
        // machine) is still honoured: the caller asked for no result, so none is returned.
        if (cancellation.IsCancellationRequested)
        {
            (result as IDisposable)?.Dispose();
            cancellation.ThrowIfCancellationRequested();
        }
        return result;
    }

    /// <summary>Releases the native session. Safe to call twice.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        session.Dispose();
    }
}
