namespace Segmentation.ML.Models.Checkpoints;

/// <summary>The element type of a tensor stored in a checkpoint; names follow safetensors.</summary>
public enum CheckpointDType
{
    /// <summary>IEEE 754 binary32 (<c>torch.float32</c>).</summary>
    F32,

    /// <summary>IEEE 754 binary16 (<c>torch.float16</c>).</summary>
    F16,

    /// <summary>bfloat16: the upper 16 bits of a binary32 (<c>torch.bfloat16</c>).</summary>
    BF16,

    /// <summary>IEEE 754 binary64 (<c>torch.float64</c>).</summary>
    F64,

    /// <summary>Signed 64-bit integer (<c>torch.int64</c>, e.g. BatchNorm's <c>num_batches_tracked</c>).</summary>
    I64,

    /// <summary>Signed 32-bit integer (<c>torch.int32</c>).</summary>
    I32,

    /// <summary>Signed 16-bit integer (<c>torch.int16</c>).</summary>
    I16,

    /// <summary>Signed 8-bit integer (<c>torch.int8</c>).</summary>
    I8,

    /// <summary>Unsigned 8-bit integer (<c>torch.uint8</c>).</summary>
    U8,

    /// <summary>Boolean stored as one byte, 0 or 1 (<c>torch.bool</c>).</summary>
    Bool,
}

/// <summary>Sizes and names of <see cref="CheckpointDType"/> values.</summary>
internal static class CheckpointDTypes
{
    public static int ElementSize(this CheckpointDType dtype) => dtype switch
    {
        CheckpointDType.F64 or CheckpointDType.I64 => 8,
        CheckpointDType.F32 or CheckpointDType.I32 => 4,
        CheckpointDType.F16 or CheckpointDType.BF16 or CheckpointDType.I16 => 2,
        _ => 1,
    };

    public static bool IsFloatingPoint(this CheckpointDType dtype) =>
        dtype is CheckpointDType.F32 or CheckpointDType.F16 or CheckpointDType.BF16 or CheckpointDType.F64;

    /// <summary>The dtype's name in a safetensors header.</summary>
    public static string SafetensorsName(this CheckpointDType dtype) => dtype == CheckpointDType.Bool ? "BOOL" : dtype.ToString();

    public static bool TryParseSafetensorsName(string name, out CheckpointDType dtype)
    {
        foreach (var candidate in Enum.GetValues<CheckpointDType>())
        {
            if (candidate.SafetensorsName() == name)
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    public static string SupportedSafetensorsNames() =>
        string.Join(", ", Enum.GetValues<CheckpointDType>().Select(SafetensorsName));
}
