using System.Text.Json;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Models.Checkpoints;

/// <summary>The committed fixtures written by scripts/fixtures/make_checkpoint_fixtures.py, and their expected values.</summary>
internal static class CheckpointFixtures
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "Checkpoints");

    public static string PathOf(string name) => Path.Combine(Folder, name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    /// <summary>The tensors the tiny fixtures hold, in order, as the generator computed them with PyTorch.</summary>
    public static IReadOnlyList<ExpectedTensor> Expected(string jsonName = "tiny-expected.json")
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(PathOf(jsonName)));
        return document.RootElement.GetProperty("tensors").EnumerateArray().Select(t => new ExpectedTensor(
            t.GetProperty("name").GetString()!,
            Enum.Parse<CheckpointDType>(t.GetProperty("dtype").GetString()!, ignoreCase: true),
            t.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
            t.GetProperty("float32_bits").EnumerateArray().Select(b => b.GetUInt32()).ToArray(),
            Convert.FromHexString(t.GetProperty("raw_hex").GetString()!),
            t.TryGetProperty("int64", out var integers) ? integers.EnumerateArray().Select(v => v.GetInt64()).ToArray() : null)).ToList();
    }

    /// <summary>Asserts that a state dict holds exactly the expected tensors: keys in order, dtypes, shapes, raw bytes and float32 bits.</summary>
    public static void AssertMatches(IReadOnlyList<ExpectedTensor> expected, StateDict actual)
    {
        Assert.Equal(expected.Select(e => e.Name), actual.Keys);
        foreach (var e in expected)
        {
            var tensor = actual[e.Name];
            Assert.Equal(e.DType, tensor.DType);
            Assert.Equal(e.Shape, tensor.Shape);
            Assert.Equal(e.RawBytes, tensor.ToBytes());
            Assert.Equal(e.Float32Bits, tensor.ToFloat32().Select(BitConverter.SingleToUInt32Bits).ToArray());
            if (e.Int64 is not null) Assert.Equal(e.Int64, tensor.ToInt64());
        }
    }
}

internal sealed record ExpectedTensor(string Name, CheckpointDType DType, int[] Shape, uint[] Float32Bits, byte[] RawBytes, long[]? Int64);

/// <summary>
/// Locates <c>shared/weights</c>, the read-only real weights kept beside the repository (a fresh clone has none):
/// the first ancestor of the test assembly's folder that has a <c>shared/weights</c> subfolder.
/// </summary>
internal static class SharedWeights
{
    public static string? Folder { get; } = Data.SharedData.FindShared("weights");

    public static string? PathOf(string file) =>
        Folder is not null && File.Exists(Path.Combine(Folder, file)) ? Path.Combine(Folder, file) : null;

    /// <summary>Why a test needing <paramref name="files"/> must skip, or null when they are all there.</summary>
    public static string? SkipReason(string[] files)
    {
        var missing = files.Where(f => PathOf(f) is null).ToList();
        return missing.Count == 0 ? null
            : $"Needs {string.Join(", ", missing)} in shared/weights beside the repository (not found above {AppContext.BaseDirectory}); a fresh clone has no shared folder.";
    }
}

/// <summary>A fact that is skipped, with the reason, when the named files are not in <c>shared/weights</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SharedWeightsFactAttribute : FactAttribute
{
    public SharedWeightsFactAttribute(params string[] files)
    {
        Skip = SharedWeights.SkipReason(files);
    }
}

/// <summary>A theory that is skipped, with the reason, when the named files are not in <c>shared/weights</c>.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SharedWeightsTheoryAttribute : TheoryAttribute
{
    public SharedWeightsTheoryAttribute(params string[] files)
    {
        Skip = SharedWeights.SkipReason(files);
    }
}
