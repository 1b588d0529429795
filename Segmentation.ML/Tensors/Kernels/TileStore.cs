using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Segmentation.ML.Tensors.Kernels;

/// <summary>
/// How a microkernel writes its accumulators: c = act(alpha·acc [+ c] [+ bias[row]]).
/// </summary>
internal readonly unsafe struct TileStore(float alpha, bool accumulate, float* bias, FusedActivation activation)
{
    public static TileStore Plain => new(1f, false, null, FusedActivation.None);

    public float Alpha { get; } = alpha;
    public bool Accumulate { get; } = accumulate;
    public float* Bias { get; } = bias;
    public FusedActivation Activation { get; } = activation;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Row(float* c, int row, Vector512<float> v0, Vector512<float> v1)
    {
        if (Alpha != 1f)
        {
            var alpha = Vector512.Create(Alpha);
            v0 *= alpha;
            v1 *= alpha;
        }
        if (Accumulate)
        {
            v0 += Vector512.Load(c);
            v1 += Vector512.Load(c + 16);
        }
        if (Bias != null)
        {
            var bias = Vector512.Create(Bias[row]);
            v0 += bias;
            v1 += bias;
        }
        if (Activation != FusedActivation.None)
        {
            v0 = Vector512.Max(v0, Vector512<float>.Zero);
            v1 = Vector512.Max(v1, Vector512<float>.Zero);
        }
        v0.Store(c);
        v1.Store(c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Row(float* c, int row, Vector256<float> v0, Vector256<float> v1)
    {
        if (Alpha != 1f)
        {
            var alpha = Vector256.Create(Alpha);
            v0 *= alpha;
            v1 *= alpha;
        }
        if (Accumulate)
        {
            v0 += Vector256.Load(c);
            v1 += Vector256.Load(c + 8);
        }
        if (Bias != null)
        {
            var bias = Vector256.Create(Bias[row]);
            v0 += bias;
            v1 += bias;
        }
        if (Activation != FusedActivation.None)
        {
            v0 = Vector256.Max(v0, Vector256<float>.Zero);
            v1 = Vector256.Max(v1, Vector256<float>.Zero);
        }
        v0.Store(c);
        v1.Store(c + 8);
    }

    /// <summary>Scalar store of one value, used for partial edge tiles and by the scalar kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Scalar(float* c, int row, float value)
    {
        float v = Alpha * value;
        if (Accumulate) v += *c;
        if (Bias != null) v += Bias[row];
        v = Activation switch
        {
            FusedActivation.Relu => MathF.Max(v, 0f),
            _ => v,
        };
        *c = v;
    }
}
