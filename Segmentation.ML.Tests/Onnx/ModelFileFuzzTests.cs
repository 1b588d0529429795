using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Google.Protobuf;
using Onnx;
using Segmentation.ML.Onnx;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Onnx;

/// <summary>
/// Damaged model zips (fixed seeds, so failures reproduce): truncations, bit flips over the whole file, overwritten
/// integers, inserted and removed bytes, zip entries removed, renamed or duplicated, declared entry sizes made wrong
/// or huge, and edits of the ONNX graph inside — a metadata field removed, duplicated or set to a wrong or extreme
/// value, a weight made NaN or infinite — written as valid zips with their CRCs, as a program editing the file would.
/// <see cref="SegmentationModel.Load"/> must refuse with <see cref="ModelFormatException"/> (nothing else escapes), or
/// load a model that predicts the original's labels; a damaged file (not rewritten) must also keep every metadata field.
/// Nothing may hang or allocate much. It runs over a pixel-prior and a hypercolumn model, 300 files each in the suite; <c>scripts/fuzz/model-files.sh</c> runs the full set
/// through SEGML_FUZZ_MODEL_FILES (and SEGML_FUZZ_SEED for other seeds).
/// </summary>
public abstract partial class ModelFileFuzzTests(ModelFiles files, ITestOutputHelper output) : IDisposable
{
    private static readonly int FileCount = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_MODEL_FILES"), out int n) ? n : 300;
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_SEED"), out int s) ? s : 0;
    private static readonly TimeSpan PerFileLimit = TimeSpan.FromSeconds(2);
    private const long AllocationLimit = 32L << 20;

    private static readonly string[] MetadataKeys = ["segml.format", "segml.classes", "segml.input_width", "segml.input_height", "segml.trainer"];

    private readonly string folder = Directory.CreateTempSubdirectory("segml-model-fuzz-").FullName;

    public void Dispose()
    {
        Directory.Delete(folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void DamagedModelFilesAreRefusedWithTypedErrorsOnlyOrPredictAsBefore()
    {
        var random = new Random(41 + SeedOffset);
        int unchanged = 0, refused = 0, editedLoaded = 0;
        var failures = new List<string>();
        var harmless = new List<string>();
        var reasons = new Dictionary<string, int>();
        long slowest = 0, largestAllocation = 0;
        string slowestCase = "";
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < FileCount; i++)
        {
            var (description, bytes, rewritten) = Mutate(random, i);
            string file = Path.Combine(folder, $"model-{i}.zip");
            File.WriteAllBytes(file, bytes);
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            long start = Stopwatch.GetTimestamp();
            try
            {
                using var model = SegmentationModel.Load(file);
                if (files.SameAsOriginal(model))
                {
                    unchanged++;
                    harmless.Add(description);
                }
                else if (rewritten && files.PredictsAsOriginal(model)) editedLoaded++;
                else failures.Add($"{description}: accepted with other contents");
            }
            catch (ModelFormatException error)
            {
                refused++;
                if (!error.Message.Contains(file, StringComparison.Ordinal)) failures.Add($"{description}: the message does not name the file: {error.Message}");
                string reason = error.Field ?? Reason().Replace(error.Message.Replace(file, "F"), "#");
                reason = reason.Length <= 70 ? reason : reason[..70];
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
            }
            catch (Exception error)
            {
                failures.Add($"{description}: {error.GetType().Name}: {error.Message}");
            }
            long elapsed = Stopwatch.GetTimestamp() - start;
            if (elapsed > slowest) (slowest, slowestCase) = (elapsed, description);
            largestAllocation = Math.Max(largestAllocation, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            if (Stopwatch.GetElapsedTime(start) > PerFileLimit) failures.Add($"{description}: took {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
            File.Delete(file);
        }

        output.WriteLine($"{files.Trainer} model zip ({files.Original.Length / 1024} KiB): {FileCount} files in {clock.Elapsed.TotalSeconds:F1} s: {refused} refused, {unchanged} loaded unchanged, " +
                         $"{editedLoaded} rewritten edits loaded predicting as before, {failures.Count} failures; slowest {Stopwatch.GetElapsedTime(0, slowest).TotalMilliseconds:F0} ms " +
                         $"({slowestCase}), largest allocation {largestAllocation / 1024} KiB, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB.");
        output.WriteLine($"  loaded unchanged: {string.Join("; ", harmless.Take(8))}");
        foreach (var (reason, count) in reasons.OrderByDescending(r => r.Value).Take(15)) output.WriteLine($"  {count,6} × {reason}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {FileCount} files failed:\n" + string.Join("\n", failures.Take(15)));
        Assert.True(largestAllocation < AllocationLimit, $"One file allocated {largestAllocation >> 20} MiB.");
        Assert.True(refused > FileCount / 2, $"Only {refused} of {FileCount} files were refused.");
    }

    [GeneratedRegex("[0-9][0-9,]*")]
    private static partial Regex Reason();

    /// <returns>What was done, the file, and whether it was rewritten as a valid zip (so may hold other metadata).</returns>
    private (string Description, byte[] Bytes, bool Rewritten) Mutate(Random random, int index)
    {
        byte[] original = files.Original;
        switch (index % 10)
        {
            case < Fuzzing.ByteMutations.Kinds:
                var (damage, damaged) = Fuzzing.ByteMutations.Apply(original, random, index % 10);
                return (damage, damaged, false);
            case 6:
                return EditEntries(random);
            case 7:
                return DeclareSize((byte[])original.Clone(), random);
            default:
                return EditGraph(random);
        }
    }

    /// <summary>An entry removed, renamed or duplicated (the graph's own, or another), written as a valid zip.</summary>
    private (string, byte[], bool) EditEntries(Random random)
    {
        var entries = ModelFiles.Entries(files.Original);
        int target = random.Next(2) == 0 ? entries.FindIndex(e => e.Name.EndsWith(ModelFiles.GraphEntry, StringComparison.Ordinal)) : random.Next(entries.Count);
        var (name, content) = entries[target];
        string description;
        switch (random.Next(4))
        {
            case 0:
                entries.RemoveAt(target);
                description = $"entry '{name}' removed";
                break;
            case 1:
                string[] names = [name + "_", name.ToLowerInvariant(), "OnnxModel", "other/OnnxModel", Path.GetFileName(name)];
                string renamed = names[random.Next(names.Length)];
                entries[target] = (renamed, content);
                description = $"entry '{name}' renamed '{renamed}'";
                break;
            case 2:
                entries.Insert(random.Next(entries.Count + 1), (name, content));
                description = $"entry '{name}' duplicated";
                break;
            default:
                var other = (byte[])content.Clone();
                if (other.Length > 0) other[random.Next(other.Length)] ^= (byte)(1 << random.Next(8));
                entries.Insert(random.Next(entries.Count + 1), (name, other));
                description = $"entry '{name}' duplicated with a bit flipped";
                break;
        }
        return (description, ModelFiles.Zip(entries), true);
    }

    /// <summary>The compressed or uncompressed size of one entry, in its central directory record or its local header, made wrong or huge.</summary>
    private static (string, byte[], bool) DeclareSize(byte[] bytes, Random random)
    {
        bool central = random.Next(3) > 0;
        uint signature = central ? 0x02014b50u : 0x04034b50u;
        var headers = Enumerable.Range(0, bytes.Length - 30).Where(i => BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i)) == signature).ToList();
        int header = headers[random.Next(headers.Count)];
        bool compressed = random.Next(2) == 0;
        int field = header + (central ? 20 : 18) + (compressed ? 0 : 4);
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(field));
        uint[] values = [0, 1, declared - 1, declared + 1, declared * 2, 1u << 20, 1u << 30, (1u << 30) + (65u << 20), int.MaxValue, 1u << 31, uint.MaxValue - 1, uint.MaxValue];
        uint value = values[random.Next(values.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(field), value);
        return ($"{(central ? "central" : "local")} {(compressed ? "compressed" : "uncompressed")} size at {field} {declared} → {value}", bytes, false);
    }

    /// <summary>The ONNX graph edited and the zip rewritten: a metadata field removed, duplicated or set to a wrong value, or a weight made non-finite.</summary>
    private (string, byte[], bool) EditGraph(Random random)
    {
        string key = MetadataKeys[random.Next(MetadataKeys.Length)];
        string[] wrongValues = ["", "0", "-1", "1", "2", "99", "40", "30", "65536", "65537", "2147483648", "99999999999999999999", "NaN", "1e9", " 1", "null", "[]", "{}",
            "true", "\"1\"", new string('9', 10_000), "\u0000", "a\nb", """{"classes":[]}""", """{"classes":["a","b","c","d"]}""", """{"classes":["a","b","c"]}""",
            """{"classes":["a","b","c","d","e"]}""", """{"classes":["a","b","c","d"],"ignore":2}""", """{"classes":["a","b","c","d"],"palette":[[1,2,3]]}""", "pixel prior"];
        switch (random.Next(5))
        {
            case 0:
                return ($"metadata '{key}' removed", files.WithMetadata(key, null), true);
            case 1:
                string duplicate = wrongValues[random.Next(wrongValues.Length)];
                return ($"metadata '{key}' duplicated as {Shorten(duplicate)}", files.WithGraph(model =>
                    model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = duplicate })), true);
            case 2:
                float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity];
                float special = specials[random.Next(specials.Length)];
                string weight = "";
                byte[] bytes = files.WithGraph(model => weight = SetOneWeight(model, random, special));
                return ($"weight {weight} set to {special}", bytes, true);
            default:
                string value = wrongValues[random.Next(wrongValues.Length)];
                return ($"metadata '{key}' set to {Shorten(value)}", files.WithMetadata(key, value), true);
        }
    }

    /// <summary>Sets one random element of one random float initializer to <paramref name="value"/>; returns which.</summary>
    private static string SetOneWeight(ModelProto model, Random random, float value)
    {
        var floats = model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float && (t.RawData.Length > 0 || t.FloatData.Count > 0)).ToList();
        var tensor = floats[random.Next(floats.Count)];
        int element;
        if (tensor.RawData.Length > 0)
        {
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.RawData.Span).ToArray();
            element = random.Next(values.Length);
            values[element] = value;
            tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            element = random.Next(tensor.FloatData.Count);
            tensor.FloatData[element] = value;
        }
        return $"{tensor.Name}[{element}]";
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "…";
}

/// <summary>The fuzz set over a pixel-prior model.</summary>
public sealed class PixelPriorModelFileFuzzTests(PixelPriorModelFiles files, ITestOutputHelper output)
    : ModelFileFuzzTests(files, output), IClassFixture<PixelPriorModelFiles>;

/// <summary>The fuzz set over a hypercolumn model (backbone initializers, head, resize, arg-max).</summary>
public sealed class HypercolumnModelFileFuzzTests(HypercolumnModelFiles files, ITestOutputHelper output)
    : ModelFileFuzzTests(files, output), IClassFixture<HypercolumnModelFiles>;
