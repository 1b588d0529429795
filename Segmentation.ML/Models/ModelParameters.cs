namespace Segmentation.ML.Models;

/// <summary>One named parameter as float32 values with its shape (PyTorch order).</summary>
/// <param name="Shape">Dimensions, outermost first.</param>
/// <param name="Values">Row-major values; length = product of the shape.</param>
public sealed record ParameterTensor(int[] Shape, float[] Values)
{
    /// <summary>The shape as PyTorch prints it, e.g. <c>[64, 3, 3, 3]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";
}

/// <summary>Thrown when a checkpoint's parameters do not make the expected network.</summary>
public sealed class ModelLoadException(string message) : Exception(message);

/// <summary>Looks up parameters by torchvision's dotted keys with errors that name the key.</summary>
internal sealed class ParameterReader(IReadOnlyDictionary<string, ParameterTensor> parameters, string architecture)
{
    private readonly HashSet<string> used = [];

    public bool Contains(string key) => parameters.ContainsKey(key);

    public ParameterTensor GetWithRank(string key, int rank)
    {
        if (!parameters.TryGetValue(key, out var tensor))
            throw new ModelLoadException($"The {architecture} checkpoint has no '{key}'. Is it a torchvision {architecture} state dict?");
        if (tensor.Shape.Length != rank)
            throw new ModelLoadException($"'{key}' has shape {tensor.ShapeText}; {architecture} expects a {rank}-dimensional tensor there.");
        used.Add(key);
        return tensor;
    }

    public ParameterTensor Get(string key, params int[] shape)
    {
        var tensor = GetWithRank(key, shape.Length);
        if (!tensor.Shape.SequenceEqual(shape))
            throw new ModelLoadException($"'{key}' has shape {tensor.ShapeText}; {architecture} expects [{string.Join(", ", shape)}].");
        return tensor;
    }

    /// <summary>A vector with one value per output channel of the convolution <paramref name="convolutionKey"/> (a bias or BatchNorm statistic).</summary>
    /// <exception cref="ModelLoadException">The sizes disagree; the message names both tensors.</exception>
    public ParameterTensor GetPerChannel(string key, string convolutionKey, ParameterTensor convolution)
    {
        var tensor = GetWithRank(key, 1);
        if (tensor.Shape[0] != convolution.Shape[0])
        {
            throw new ModelLoadException($"'{key}' has shape {tensor.ShapeText}, but '{convolutionKey}' {convolution.ShapeText} has {convolution.Shape[0]} output channels; " +
                $"{architecture} expects one value per channel there ([{convolution.Shape[0]}]). The checkpoint's layers do not chain as a torchvision {architecture}'s do.");
        }
        return tensor;
    }

    /// <summary>Keys present but not consumed (num_batches_tracked and other bookkeeping excluded).</summary>
    public IReadOnlyList<string> Unused(Func<string, bool> ignore) =>
        parameters.Keys.Where(k => !used.Contains(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal) && !ignore(k)).ToList();
}
