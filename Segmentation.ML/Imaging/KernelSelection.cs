namespace Segmentation.ML.Imaging;

/// <summary>
/// Chooses between the vectorised codec kernels and their plain reference twins. Setting the
/// environment variable SEGML_REFERENCE_KERNELS=1 forces the reference code, so any decoded result
/// can be checked against the obvious implementation; the vector paths are used only where the
/// CPU supports them (AVX2), and both give identical output.
/// </summary>
internal static class KernelSelection
{
    public static bool ForceReference { get; } = Environment.GetEnvironmentVariable("SEGML_REFERENCE_KERNELS") == "1";
}
