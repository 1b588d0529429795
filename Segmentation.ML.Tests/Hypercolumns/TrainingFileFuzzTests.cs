using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Models.Checkpoints;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Hypercolumns;

/// <summary>
/// Damaged sample caches and stage B checkpoints (fixed seeds, so failures reproduce): truncations, bit flips over the
/// whole file, overwritten integers, inserted and removed bytes, and header edits — a metadata field or tensor removed,
/// renamed, duplicated, set to null, a number, an array or an extreme string, a shape or dtype changed — half of the
/// header edits with the SHA-256 recomputed, as a file written so would carry. Only
/// <see cref="CheckpointFormatException"/> may escape; a damaged file (digest not recomputed) must never load with
/// other contents; a refused checkpoint leaves the head unchanged; nothing may hang or allocate much.
/// The suite runs 300 files per format; <c>scripts/fuzz/training-files.sh</c> runs the full set through
/// SEGML_FUZZ_TRAINING_FILES (and SEGML_FUZZ_SEED for other seeds).
/// </summary>
public sealed class TrainingFileFuzzTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int FilesPerFormat = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_TRAINING_FILES"), out int n) ? n : 300;
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_SEED"), out int s) ? s : 0;
    private static readonly TimeSpan PerFileLimit = TimeSpan.FromSeconds(2);
    private const long AllocationLimit = 32L << 20;

    private readonly string folder = Directory.CreateTempSubdirectory("segml-training-fuzz-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void DamagedSampleCachesAreRefusedWithTypedErrorsOnly()
    {
        var original = TrainingFileTests.Samples();
        string path = Path.Combine(folder, "cache");
        original.Save(path, TrainingFileTests.Settings());
        Run("sample cache", File.ReadAllBytes(path), 31, file =>
        {
            var loaded = SampledPixels.Load(file, TrainingFileTests.Settings());
            return loaded.Features.SequenceEqual(original.Features) && loaded.Labels.SequenceEqual(original.Labels) && loaded.Channels == original.Channels
                   && loaded.Classes.ClassNames.SequenceEqual(original.Classes.ClassNames) && loaded.Classes.IgnoreValue == original.Classes.IgnoreValue
                   && loaded.Classes.Palette!.Colors.SequenceEqual(original.Classes.Palette!.Colors);
        });
    }

    [Fact]
    public void DamagedCheckpointsAreRefusedWithTypedErrorsOnlyAndLeaveTheHeadUnchanged()
    {
        var (head, sgd) = TrainingFileTests.Head(seed: 1);
        string path = Path.Combine(folder, "checkpoint");
        DenseCheckpoint.Save(path, head, sgd, 2, TrainingFileTests.Settings());
        var expected = TrainingFileTests.State(head, sgd);
        Run("stage B checkpoint", File.ReadAllBytes(path), 32, file =>
        {
            var (target, targetSgd) = TrainingFileTests.Head(seed: 9);
            var before = TrainingFileTests.State(target, targetSgd).Select(a => (float[])a.Clone()).ToArray();
            try
            {
                int epoch = DenseCheckpoint.Restore(file, target, targetSgd, TrainingFileTests.Settings(), epochs: 3);
                return epoch == 2 && TrainingFileTests.State(target, targetSgd).Zip(expected).All(p => p.First.SequenceEqual(p.Second));
            }
            catch (CheckpointFormatException)
            {
                if (!TrainingFileTests.State(target, targetSgd).Zip(before).All(p => p.First.SequenceEqual(p.Second)))
                    throw new InvalidOperationException("A refused checkpoint changed the head.");
                throw;
            }
        });
    }

    /// <param name="load">Loads a file; true when it holds exactly the original contents.</param>
    private void Run(string format, byte[] original, int seed, Func<string, bool> load)
    {
        var random = new Random(seed + SeedOffset);
        int unchanged = 0, refused = 0, resignedLoaded = 0;
        var failures = new List<string>();
        var harmless = new List<string>();
        var reasons = new Dictionary<string, int>();
        long slowest = 0, largestAllocation = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < FilesPerFormat; i++)
        {
            var (description, bytes, resigned) = Mutate(original, random, i);
            string file = Path.Combine(folder, $"{format.Replace(' ', '-')}-{i}");
            File.WriteAllBytes(file, bytes);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            try
            {
                if (load(file))
                {
                    unchanged++;
                    harmless.Add(description);
                }
                else if (resigned) resignedLoaded++;
                else failures.Add($"{description}: accepted with other contents");
            }
            catch (CheckpointFormatException error)
            {
                refused++;
                if (!error.Message.Contains(file, StringComparison.Ordinal)) failures.Add($"{description}: the message does not name the file: {error.Message}");
                string reason = error.Entry ?? "(file)";
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
            catch (Exception error)
            {
                failures.Add($"{description}: {error.GetType().Name}: {error.Message}");
            }
            long elapsed = Stopwatch.GetTimestamp() - start;
            slowest = Math.Max(slowest, elapsed);
            largestAllocation = Math.Max(largestAllocation, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            if (Stopwatch.GetElapsedTime(start) > PerFileLimit) failures.Add($"{description}: took {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
            File.Delete(file);
        }

        output.WriteLine($"{format}: {FilesPerFormat} files in {clock.Elapsed.TotalSeconds:F1} s: {refused} refused, {unchanged} loaded unchanged, " +
                         $"{resignedLoaded} re-signed edits loaded, {failures.Count} failures; slowest {Stopwatch.GetElapsedTime(0, slowest).TotalMilliseconds:F0} ms, " +
                         $"largest allocation {largestAllocation / 1024} KiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB.");
        output.WriteLine($"  loaded unchanged: {string.Join("; ", harmless.Take(8))}");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).Take(12)) output.WriteLine($"  {count,6} × {reason}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {FilesPerFormat} files failed:\n" + string.Join("\n", failures.Take(15)));
        Assert.True(largestAllocation < AllocationLimit, $"One file allocated {largestAllocation >> 20} MiB.");
        Assert.True(refused > FilesPerFormat * 3 / 4, $"Only {refused} of {FilesPerFormat} files were refused.");
    }

    private static (string Description, byte[] Bytes, bool Resigned) Mutate(byte[] original, Random random, int index)
    {
        switch (index % 10)
        {
            case < Fuzzing.ByteMutations.Kinds:
                var (damage, damaged) = Fuzzing.ByteMutations.Apply(original, random, index % 10);
                return (damage, damaged, false);
            default:
                bool resign = random.Next(2) == 0;
                var (description, edited) = EditHeader(original, random);
                return ($"{description}{(resign ? ", re-signed" : "")}", resign ? Resign(edited) : edited, resign);
        }
    }

    /// <summary>Edits the JSON header: a metadata field or a tensor entry removed, renamed, duplicated or set to a wrong or extreme value.</summary>
    private static (string Description, byte[] Bytes) EditHeader(byte[] original, Random random)
    {
        int headerLength = (int)BinaryPrimitives.ReadInt64LittleEndian(original);
        var header = JsonNode.Parse(original.AsSpan(8, headerLength))!.AsObject();
        var metadata = header["__metadata__"]!.AsObject();
        JsonNode?[] wrongValues = [null, 7, -1, 1e300, new JsonArray(), new JsonObject(), "", "-1", "0", "2", "2147483648", "99999999999999999999", "NaN", "1e9",
            new string('9', 10_000), "\u0000", "{\"name\":\"x\",\"names\":[]}"];
        string description;
        bool onTensor = random.Next(3) == 0;
        var target = onTensor ? header : metadata;
        var keys = target.Select(p => p.Key).Where(k => k != "__metadata__").ToArray();
        string key = keys[random.Next(keys.Length)];
        switch (random.Next(onTensor ? 6 : 4))
        {
            case 0:
                target.Remove(key);
                description = $"'{key}' removed";
                break;
            case 1:
                var node = target[key];
                target.Remove(key);
                target[key + (random.Next(2) == 0 ? "_" : ".renamed")] = node;
                description = $"'{key}' renamed";
                break;
            case 2:
                var wrong = wrongValues[random.Next(wrongValues.Length)];
                target[key] = wrong?.DeepClone();
                description = $"'{key}' set to {Shorten(wrong?.ToJsonString() ?? "null")}";
                break;
            case 3:
                string json = header.ToJsonString();
                string pair = $"\"{key}\":{target[key]?.ToJsonString() ?? "null"},";
                int open = onTensor ? 1 : json.IndexOf("\"__metadata__\":{", StringComparison.Ordinal) + "\"__metadata__\":{".Length;
                return ($"'{key}' duplicated", Assemble(json.Insert(open, pair), original, headerLength));
            case 4:
                var shape = target[key]!["shape"]!.AsArray();
                int axis = random.Next(shape.Count + 1);
                if (axis == shape.Count) shape.Add(1);
                else shape[axis] = shape[axis]!.GetValue<int>() + random.Next(-2, 3);
                description = $"shape of '{key}' changed to {shape.ToJsonString()}";
                break;
            default:
                string[] dtypes = ["F16", "F64", "I32", "U8", "BF16", "BOOL", "X"];
                target[key]!["dtype"] = dtypes[random.Next(dtypes.Length)];
                description = $"dtype of '{key}' set to {target[key]!["dtype"]}";
                break;
        }
        return (description, Assemble(header.ToJsonString(), original, headerLength));
    }

    private static byte[] Assemble(string json, byte[] original, int headerLength)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var result = new byte[8 + header.Length + original.Length - 8 - headerLength];
        BinaryPrimitives.WriteInt64LittleEndian(result, header.Length);
        header.CopyTo(result, 8);
        original.AsSpan(8 + headerLength).CopyTo(result.AsSpan(8 + header.Length));
        return result;
    }

    /// <summary>Recomputes the SHA-256 of an edited file that is still valid safetensors, as if it had been written so.</summary>
    private static byte[] Resign(byte[] bytes)
    {
        StateDict state;
        try
        {
            state = SafetensorsFile.Read(new MemoryStream(bytes));
        }
        catch (CheckpointFormatException)
        {
            return bytes;
        }
        var tensors = state.Tensors.Select(t => CheckpointTensor.FromBytes(t.Name, t.DType, t.Shape, t.ToBytes())).ToList();
        var metadata = new Dictionary<string, string>(state.Metadata);
        TrainingFileTests.Resign(metadata, tensors);
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "…";
}
