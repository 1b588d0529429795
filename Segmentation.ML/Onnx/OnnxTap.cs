namespace Segmentation.ML.Onnx;

/// <summary>
/// A backbone activation already in a graph: a float value [N, <paramref name="Channels"/>, h, w] with
/// h ≈ H/<paramref name="Stride"/> and w ≈ W/<paramref name="Stride"/> for an [N, 3, H, W] image. What a
/// backbone builder hands the head builder; the sizes stay symbolic.
/// </summary>
/// <param name="Value">The value's name in the graph.</param>
/// <param name="Channels">c, fixed by the network.</param>
/// <param name="Stride">Image pixels per activation cell along each axis.</param>
internal sealed record OnnxTap(string Value, int Channels, int Stride);
