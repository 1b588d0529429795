namespace Segmentation.ML.Models;

/// <summary>
/// A bias-free convolution followed by an inference-mode BatchNorm, read from a checkpoint as one
/// <see cref="ConvolutionLayer"/>: w′ = w·γ/√(σ² + ε), b′ = β − μ·γ/√(σ² + ε), computed in float64.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>torchvision's BatchNorm2d ε (CNTK's ResNet-18 stores the same, 1e-5).</summary>
    public const float Epsilon = 1e-5f;

    /// <summary>
    /// Reads <c>{conv}.weight</c> and <c>{norm}.weight/bias/running_mean/running_var</c>, checks their shapes
    /// and folds them.
    /// </summary>
    /// <param name="inChannels">The input channels the weights must take.</param>
    /// <param name="kernel">The square kernel the weights must have.</param>
    /// <param name="depthwise">One group per input channel (weights [in, 1, k, k]).</param>
    /// <exception cref="ModelLoadException">A key is missing or has another shape, or a BatchNorm vector disagrees with the convolution's outputs; the message names them.</exception>
    public static ConvolutionLayer Read(ParameterReader reader, string conv, string norm, int inChannels, int kernel, int stride, bool depthwise, ConvolutionActivation activation)
    {
        var weight = reader.GetWithRank($"{conv}.weight", 4);
        int outChannels = weight.Shape[0];
        if (depthwise) reader.Get($"{conv}.weight", inChannels, 1, kernel, kernel);
        else reader.Get($"{conv}.weight", outChannels, inChannels, kernel, kernel);
        var (folded, bias) = Fold(weight.Values, outChannels,
            reader.GetPerChannel($"{norm}.weight", $"{conv}.weight", weight).Values, reader.GetPerChannel($"{norm}.bias", $"{conv}.weight", weight).Values,
            reader.GetPerChannel($"{norm}.running_mean", $"{conv}.weight", weight).Values, reader.GetPerChannel($"{norm}.running_var", $"{conv}.weight", weight).Values, Epsilon);
        return new ConvolutionLayer(inChannels, outChannels, kernel, stride, depthwise ? inChannels : 1, folded, bias, activation);
    }

    /// <summary>Folds BatchNorm (γ, β, μ, σ², ε) into bias-free convolution weights [out, …].</summary>
    public static (float[] Weights, float[] Bias) Fold(float[] weights, int outChannels, float[] gamma, float[] beta, float[] mean, float[] variance, float epsilon)
    {
        int perChannel = weights.Length / outChannels;
        var folded = new float[weights.Length];
        var bias = new float[outChannels];
        for (int o = 0; o < outChannels; o++)
        {
            double scale = gamma[o] / Math.Sqrt(variance[o] + (double)epsilon);
            for (int j = 0; j < perChannel; j++) folded[o * perChannel + j] = (float)(weights[o * perChannel + j] * scale);
            bias[o] = (float)(beta[o] - mean[o] * scale);
        }
        return (folded, bias);
    }
}
