namespace Segmentation.ML.Tensors;

/// <summary>Seeded uniform random arrays for random-weight models, benchmarks and tests.</summary>
internal static class RandomValues
{
    /// <summary><paramref name="length"/> values drawn uniformly from [−scale, scale).</summary>
    public static float[] Uniform(Random random, int length, float scale)
    {
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (random.NextSingle() * 2f - 1f) * scale;
        return values;
    }
}
