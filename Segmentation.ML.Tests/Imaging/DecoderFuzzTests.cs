using System.Diagnostics;
using Segmentation.ML.Imaging;
using Xunit.Abstractions;

namespace Segmentation.ML.Tests.Imaging;

/// <summary>
/// Feeds thousands of mutated and truncated PNGs to the PNG decoder, and JPEGs to SkiaSharp through
/// <see cref="MLImages"/> (fixed seeds, so failures reproduce): only the library's typed exceptions may
/// escape, every decode must finish quickly, and no input may make the decoder allocate beyond what its
/// (limited) declared size needs.
/// SEGML_FUZZ_INPUTS and SEGML_FUZZ_SEED scale a longer local run without changing the default.
/// </summary>
public sealed class DecoderFuzzTests(ITestOutputHelper output)
{
    private static readonly int InputsPerFormat = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_INPUTS"), out int n) ? n : 12_000;
    private static readonly int SeedOffset = int.TryParse(Environment.GetEnvironmentVariable("SEGML_FUZZ_SEED"), out int s) ? s : 0;
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(20);

    /// <summary>1 Mpx: mutated headers may declare up to this much; anything larger must be refused before allocation.</summary>
    private static readonly ImageDecoderOptions Options = new() { MaxPixels = 1 << 20, ApplyExifOrientation = true };

    private const long AllocationLimit = 64L << 20;

    [Fact]
    public void MutatedAndTruncatedPngsRaiseOnlyTypedErrorsAndNeverHang()
    {
        byte[][] seeds =
        [
            .. new[] { "ct2_bd8_plain", "ct3_bd4_adam7", "ct6_bd16_adam7", "ct0_bd1_plain", "ct4_bd8_adam7", "filter4_ct2_bd8", "pil_voc_mask_63x47", "adam7_rgb8_9x9" }
                .Select(n => File.ReadAllBytes(ImageFixtures.Png(n))),
            PngEncoder.Encode(PngCodecTests.SyntheticRgb(24, 18, seed: 9)),
        ];
        var mutator = new ImageMutator(seed: 20240601 + SeedOffset);
        Run("PNG", seeds, mutator.MutatePng, (input, i) =>
        {
            if (i % 3 == 0) ImageDecoder.DecodeLabelMap(input, Options);
            else ImageDecoder.DecodeRgb(input, Options);
        });
    }

    [Fact]
    public void MutatedAndTruncatedJpegsThroughSkiaSharpRaiseOnlyTypedErrorsAndNeverHang()
    {
        byte[][] seeds = new[]
            {
                "baseline_420_q85_61x45", "progressive_420_q75_64x48", "progressive_restart_420_q80_47x33", "restart_blocks_444_q75_50x27",
                "gray_q80_33x17", "exif_orientation6_13x7", "noninterleaved_420_q75_43x27", "rgb_colorspace_q90_21x13", "unsupported_cmyk",
            }
            .Select(n => File.ReadAllBytes(ImageFixtures.Jpeg(n))).ToArray();
        var random = new Random(20261128 + SeedOffset);
        Run("JPEG", seeds, seed => MutateJpeg(seed, random), (input, _) => MLImages.DecodeRgb(input, Options));
    }

    /// <summary>The byte-level damage every format gets, or the frame header's size rewritten (up to 65535 × 65535).</summary>
    private static byte[] MutateJpeg(byte[] seed, Random random)
    {
        int kind = random.Next(Fuzzing.ByteMutations.Kinds + 1);
        if (kind < Fuzzing.ByteMutations.Kinds) return Fuzzing.ByteMutations.Apply(seed, random, kind).Bytes;
        int height = random.Next(2) == 0 ? random.Next(65536) : random.Next(1, 2048), width = random.Next(2) == 0 ? random.Next(65536) : random.Next(1, 2048);
        return SkiaSharpPhotoTests.WithDeclaredSize(seed, width, height);
    }

    private void Run(string format, byte[][] seeds, Func<byte[], byte[]> mutate, Action<byte[], int> decode)
    {
        var inputs = new byte[InputsPerFormat][];
        for (int i = 0; i < inputs.Length; i++)
        {
            byte[] seed = seeds[i % seeds.Length];
            inputs[i] = i % 10 == 9 ? seed.AsSpan(0, (int)((long)seed.Length * (i / 10) / (InputsPerFormat / 10))).ToArray() : mutate(seed);
        }

        int current = -1, decoded = 0, typedErrors = 0;
        long slowestTicks = 0, largestAllocation = 0;
        var failures = new List<string>();
        var errorKinds = new Dictionary<string, int>();
        var total = Stopwatch.StartNew();
        var worker = new Thread(() =>
        {
            for (int i = 0; i < inputs.Length; i++)
            {
                Volatile.Write(ref current, i);
                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                long start = Stopwatch.GetTimestamp();
                try
                {
                    decode(inputs[i], i);
                    decoded++;
                }
                catch (ImageFormatException e) when (e.GetType() != typeof(ImageFormatException))
                {
                    typedErrors++;
                    errorKinds[e.GetType().Name] = errorKinds.GetValueOrDefault(e.GetType().Name) + 1;
                }
                catch (Exception e)
                {
                    failures.Add($"input {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }

                slowestTicks = Math.Max(slowestTicks, Stopwatch.GetTimestamp() - start);
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                largestAllocation = Math.Max(largestAllocation, allocated);
                if (allocated > AllocationLimit)
                {
                    failures.Add($"input {i}: allocated {allocated:N0} bytes");
                }
            }

            Volatile.Write(ref current, inputs.Length);
        })
        { IsBackground = true, Name = $"{format} fuzz" };
        worker.Start();

        int lastSeen = -1;
        var sinceProgress = Stopwatch.StartNew();
        while (!worker.Join(TimeSpan.FromMilliseconds(200)))
        {
            int now = Volatile.Read(ref current);
            if (now != lastSeen)
            {
                lastSeen = now;
                sinceProgress.Restart();
            }
            else if (sinceProgress.Elapsed > StallLimit)
            {
                string dump = Path.Combine(Path.GetTempPath(), $"segml-fuzz-{format}-{now}.bin");
                File.WriteAllBytes(dump, inputs[now]);
                Assert.Fail($"{format} input {now} has been decoding for over {StallLimit.TotalSeconds} s (saved to {dump})");
            }
        }

        TimeSpan slowest = Stopwatch.GetElapsedTime(0, slowestTicks);
        output.WriteLine($"{format}: {inputs.Length} inputs in {total.Elapsed.TotalSeconds:F2} s: {decoded} decoded, {typedErrors} typed errors " +
                         $"({string.Join(", ", errorKinds.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}"))}); " +
                         $"slowest {slowest.TotalMilliseconds:F1} ms, largest managed allocation {largestAllocation:N0} bytes, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        Assert.True(failures.Count == 0, $"{failures.Count} failures, first: {string.Join("\n", failures.Take(3))}");
        Assert.True(slowest < PerInputLimit, $"the slowest {format} input took {slowest.TotalMilliseconds:F0} ms");
        Assert.Equal(inputs.Length, decoded + typedErrors);
    }
}
