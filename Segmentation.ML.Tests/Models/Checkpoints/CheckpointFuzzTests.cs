using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using Segmentation.ML.Models.Checkpoints;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Models.Checkpoints;

/// <summary>
/// Truncated and mutated variants of each fixture format: loading and then reading every tensor must either succeed
/// or fail with a <see cref="CheckpointFormatException"/> (of which <see cref="UnsafeCheckpointException"/> is one),
/// never with a stray runtime exception, and the whole set must finish in bounded time.
/// </summary>
public class CheckpointFuzzTests(ITestOutputHelper output)
{
    private const int Mutations = 2500;
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("tiny.pth", 11)]
    [InlineData("tiny-legacy.pth", 12)]
    [InlineData("tiny-py2style.pth", 13)]
    [InlineData("tiny.safetensors", 14)]
    [InlineData(DeflatedZip, 15)]
    public async Task TruncatedAndMutatedCheckpointsFailOnlyWithTypedErrors(string fixture, int seed)
    {
        byte[] original = Original(fixture);
        var variants = Truncations(original).Concat(Mutants(original, new Random(seed), Mutations)).ToList();
        var failures = new List<string>();
        var wrapped = new List<string>();
        int loaded = 0, refused = 0;

        var run = Task.Run(() =>
        {
            foreach (var (description, bytes) in variants)
            {
                switch (Exercise(() => Checkpoint.Load(new MemoryStream(bytes), description)))
                {
                    case null: loaded++; break;
                    case CheckpointFormatException error:
                        refused++;
                        if (error.Reason.StartsWith("the file is malformed", StringComparison.Ordinal)) wrapped.Add($"{description}: {error.Message}");
                        break;
                    case var other: failures.Add($"{description}: {other.GetType().Name}: {other.Message}"); break;
                }
            }
        });

        var clock = Stopwatch.StartNew();
        bool finished = await Task.WhenAny(run, Task.Delay(TimeLimit)) == run;
        Assert.True(finished, $"{variants.Count} variants of {fixture} did not finish within {TimeLimit.TotalSeconds} s.");
        await run;
        output.WriteLine($"{fixture}: {variants.Count} variants in {clock.ElapsedMilliseconds} ms: {loaded} loaded, {refused} refused, " +
                         $"{wrapped.Count} of them by the safety net that wraps low-level exceptions.");
        foreach (string line in wrapped.Take(20)) output.WriteLine(line);
        Assert.True(failures.Count == 0, $"{failures.Count} of {variants.Count} variants escaped with untyped errors:\n" + string.Join("\n", failures.Take(10)));
        Assert.True(refused > original.Length / 2, $"Only {refused} of {variants.Count} variants were refused ({loaded} loaded).");
        Assert.True(wrapped.Count == 0, "Every refusal should come from a check that names the problem:\n" + string.Join("\n", wrapped.Take(10)));
    }

    [Theory]
    [InlineData("tiny.pth", 21)]
    [InlineData("tiny-legacy.pth", 22)]
    [InlineData("tiny.safetensors", 23)]
    [InlineData(DeflatedZip, 24)]
    public void CorruptFilesReadLazilyFailOnlyWithTypedErrors(string fixture, int seed)
    {
        byte[] original = Original(fixture);
        string folder = Directory.CreateTempSubdirectory("segml-fuzz-").FullName;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        try
        {
            int index = 0;
            foreach (var (description, bytes) in Truncations(original).Where((_, i) => i % 16 == 0).Concat(Mutants(original, new Random(seed), 150)))
            {
                string path = Path.Combine(folder, $"{index++}.bin");
                File.WriteAllBytes(path, bytes);
                if (Exercise(() => Checkpoint.Load(path)) is { } error and not CheckpointFormatException)
                    failures.Add($"{description}: {error.GetType().Name}: {error.Message}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        Assert.True(clock.Elapsed < TimeLimit, $"Took {clock.Elapsed}.");
    }

    /// <summary>tiny.pth with every entry deflated, as a recompressing zip tool would leave it.</summary>
    private const string DeflatedZip = "tiny.pth, deflated";

    private static byte[] Original(string fixture)
    {
        if (fixture != DeflatedZip) return CheckpointFixtures.Bytes(fixture);
        using var source = new ZipArchive(new MemoryStream(CheckpointFixtures.Bytes("tiny.pth")), ZipArchiveMode.Read);
        using var result = new MemoryStream();
        using (var archive = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in source.Entries)
            {
                using var input = entry.Open();
                using var output = archive.CreateEntry(entry.FullName, CompressionLevel.Optimal).Open();
                input.CopyTo(output);
            }
        }
        return result.ToArray();
    }

    /// <summary>Loads, then reads every tensor every way; returns the exception, or null when all of it worked.</summary>
    private static Exception? Exercise(Func<StateDict> load)
    {
        try
        {
            var stateDict = load();
            foreach (var tensor in stateDict.Tensors)
            {
                tensor.ToFloat32();
                tensor.ToBytes();
                if (tensor.DType is not (CheckpointDType.F32 or CheckpointDType.F16 or CheckpointDType.BF16 or CheckpointDType.F64)) tensor.ToInt64();
            }
            Checkpoint.DetectArchitecture(stateDict);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    private static IEnumerable<(string, byte[])> Truncations(byte[] original)
    {
        for (int length = 0; length < original.Length; length++)
            yield return ($"first {length} bytes", original[..length]);
    }

    private static IEnumerable<(string, byte[])> Mutants(byte[] original, Random random, int count)
    {
        long[] interesting = [0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue, 1L << 40];
        for (int i = 0; i < count; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            int at = random.Next(bytes.Length);
            string description;
            switch (random.Next(5))
            {
                case 0:
                    int flips = random.Next(1, 5);
                    for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    description = $"{flips} bit flips";
                    break;
                case 1:
                    bytes[at] = (byte)interesting[random.Next(6)];
                    description = $"byte {at} = 0x{bytes[at]:X2}";
                    break;
                case 2:
                    at = Math.Min(at, bytes.Length - 8);
                    long value = interesting[random.Next(interesting.Length)];
                    if (random.Next(2) == 0) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), (int)value);
                    else BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), value);
                    description = $"integer {value} at {at}";
                    break;
                case 3:
                    int removed = random.Next(1, 9);
                    bytes = [.. original[..at], .. original[Math.Min(original.Length, at + removed)..]];
                    description = $"{removed} bytes removed at {at}";
                    break;
                default:
                    byte[] inserted = new byte[random.Next(1, 9)];
                    random.NextBytes(inserted);
                    bytes = [.. original[..at], .. inserted, .. original[at..]];
                    description = $"{inserted.Length} bytes inserted at {at}";
                    break;
            }
            yield return (description, bytes);
        }
    }
}
