namespace Segmentation.ML.Tensors;

/// <summary>An activation applied by a kernel as it stores its output.</summary>
public enum FusedActivation
{
    /// <summary>Identity.</summary>
    None,

    /// <summary>max(x, 0).</summary>
    Relu,
}
