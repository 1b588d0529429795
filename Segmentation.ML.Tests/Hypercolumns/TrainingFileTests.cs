using Segmentation.ML.Data;
using Segmentation.ML.Hypercolumns;
using Segmentation.ML.Imaging;
using Segmentation.ML.Models.Checkpoints;

namespace Segmentation.ML.Tests.Hypercolumns;

/// <summary>
/// The sample cache and stage B checkpoints: exact round trips, and every damaged, foreign or mismatched file refused
/// with a <see cref="CheckpointFormatException"/> saying what differs and what to do.
/// </summary>
public sealed class TrainingFileTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("segml-training-files-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    internal static readonly SegmentationClassSet Classes = new("tiny", ["sky", "road", "car"], 255, new Palette([new(1, 2, 3), new(4, 5, 6), new(7, 8, 9)]));

    internal static Dictionary<string, string> Settings(string taps = "tap0 (3 channels), tap1 (2 channels)") => new()
    {
        ["taps"] = taps,
        ["output stride"] = "2",
        ["classes"] = TrainingFile.DescribeClasses(Classes),
    };

    internal static SampledPixels Samples(int seed = 1)
    {
        var random = new Random(seed);
        const int rows = 40, channels = 5;
        return new SampledPixels(Enumerable.Range(0, rows * channels).Select(_ => random.NextSingle() * 4 - 2).ToArray(),
            Enumerable.Range(0, rows).Select(_ => (byte)random.Next(3)).ToArray(), channels, Classes);
    }

    internal static (HypercolumnHead Head, SgdMomentum Sgd) Head(int seed = 1, int hidden = 4)
    {
        var random = new Random(seed);
        var head = new HypercolumnHead(5, [hidden], 3, random);
        var sgd = new SgdMomentum(head, 0.9f, 5e-4f);
        for (int i = 0; i < 5; i++)
        {
            head.Mean[i] = random.NextSingle();
            head.Std[i] = 0.5f + random.NextSingle();
        }
        foreach (var values in head.Biases.Concat(sgd.WeightVelocity).Concat(sgd.BiasVelocity))
            for (int i = 0; i < values.Length; i++) values[i] = random.NextSingle() - 0.5f;
        return (head, sgd);
    }

    internal static float[][] State(HypercolumnHead head, SgdMomentum sgd) =>
        [head.Mean, head.Std, .. head.Weights, .. head.Biases, .. sgd.WeightVelocity, .. sgd.BiasVelocity];

    private string PathOf(string name) => Path.Combine(folder, name);

    [Fact]
    public void ASampleCacheRoundTripsExactlyAndACheckpointRestoresEveryValue()
    {
        var samples = Samples();
        samples.Save(PathOf("cache"), Settings());
        var loaded = SampledPixels.Load(PathOf("cache"), Settings());
        Assert.Equal(samples.Features, loaded.Features);
        Assert.Equal(samples.Labels, loaded.Labels);
        Assert.Equal(samples.Channels, loaded.Channels);
        Assert.Equal(Classes.ClassNames, loaded.Classes.ClassNames);
        Assert.Equal(Classes.IgnoreValue, loaded.Classes.IgnoreValue);
        Assert.Equal(Classes.Palette!.Colors.ToArray(), loaded.Classes.Palette!.Colors.ToArray());
        Assert.Equal(samples.Features, SampledPixels.Load(PathOf("cache")).Features);

        var (head, sgd) = Head(seed: 1);
        DenseCheckpoint.Save(PathOf("checkpoint"), head, sgd, 2, Settings());
        var (other, otherSgd) = Head(seed: 2);
        Assert.Equal(2, DenseCheckpoint.Restore(PathOf("checkpoint"), other, otherSgd, Settings(), epochs: 3));
        Assert.Equal(State(head, sgd), State(other, otherSgd));
    }

    [Fact]
    public void ASampleCacheMadeWithOtherTapsIsRefusedSayingWhatDiffersAndWhatToDo()
    {
        Samples().Save(PathOf("cache"), Settings(taps: "features.1 (16 channels)"));

        var error = Assert.Throws<CheckpointFormatException>(() => SampledPixels.Load(PathOf("cache"), Settings(taps: "features.3 (16 channels)")));

        Assert.Equal(PathOf("cache"), error.FilePath);
        Assert.Contains("the sample cache was made with other settings (taps: 'features.1 (16 channels)' in the file, 'features.3 (16 channels)' in this run)", error.Message);
        Assert.EndsWith("Train with the same settings, or delete it to sample again.", error.Message);

        File.WriteAllBytes(PathOf("cache"), File.ReadAllBytes(PathOf("cache"))[..100]);
        var truncated = Assert.Throws<CheckpointFormatException>(() => SampledPixels.Load(PathOf("cache"), Settings()));
        Assert.Contains("(sample cache, header): the header length field says", truncated.Message);
        Assert.EndsWith("Delete it to sample again.", truncated.Message);
    }

    [Fact]
    public void ACheckpointForOtherLayerSizesOrFewerEpochsIsRefusedAndLeavesTheHeadUnchanged()
    {
        var (head, sgd) = Head(hidden: 4);
        DenseCheckpoint.Save(PathOf("checkpoint"), head, sgd, 3, Settings());
        var (wider, widerSgd) = Head(seed: 5, hidden: 6);
        var before = State(wider, widerSgd).Select(a => (float[])a.Clone()).ToArray();

        var sizes = Assert.Throws<CheckpointFormatException>(() => DenseCheckpoint.Restore(PathOf("checkpoint"), wider, widerSgd, Settings(), epochs: 5));
        Assert.Contains("layer sizes: '5, 4, 3' in the file, '5, 6, 3' in this run", sizes.Message);
        Assert.EndsWith("Train with the same settings, or delete it to train stage B from its first epoch.", sizes.Message);
        Assert.Equal(before, State(wider, widerSgd));

        var epochs = Assert.Throws<CheckpointFormatException>(() => DenseCheckpoint.Restore(PathOf("checkpoint"), head, sgd, Settings(), epochs: 2));
        Assert.Contains("the checkpoint has finished epoch 3, but this run trains 2 stage B epochs", epochs.Message);
    }

    [Fact]
    public void FilesOfThePreviousUnversionedLayoutAreRefusedAsNotWrittenByThisSegml()
    {
        SafetensorsFile.Write(PathOf("old"), [CheckpointTensor.FromFloat32("features", [1, 2], [1f, 2f]), CheckpointTensor.FromBytes("labels", CheckpointDType.U8, [1], [0])],
            new Dictionary<string, string> { ["classes"] = "{}" });

        var error = Assert.Throws<CheckpointFormatException>(() => SampledPixels.Load(PathOf("old")));

        Assert.Contains("(sample cache, field 'format')", error.Message);
        Assert.Contains("not a sample cache written by this segml", error.Message);
    }

    public static TheoryData<string, string?, string> FieldEdits => new()
    {
        { "version", null, "the field is missing" },
        { "version", "2", "format version 2, written by a newer segml; this one reads version 1" },
        { "version", "0", "format version 0 is not one this segml reads" },
        { "version", "-1", "format version -1 is not one this segml reads" },
        { "version", "99999999999", "'99999999999' is not a format version" },
        { "format", "segml.dense-checkpoint", "the file is a 'segml.dense-checkpoint', not a sample cache" },
        { "sha256", null, "the field is missing, so the file cannot be verified" },
        { "classes", null, "the field is missing" },
        { "classes", "", "the classes are not valid" },
        { "classes", "[1, 2]", "expected an object with a \"classes\" array of names" },
        { "classes", """{"name": "tiny", "classes": ["sky", "sky"], "ignore": 255}""", "Class name 'sky' appears twice" },
        { "classes", """{"name": "tiny", "classes": ["sky"], "ignore": 300}""", "\"ignore\" must be a label value 0..255, found 300" },
        { "classes", """{"name": 7, "classes": ["sky"]}""", "\"name\" must be a string" },
        { "classes", """{"name": "tiny", "classes": ["a", "b"], "ignore": null}""", "row " },
        { "setting.taps", null, "taps: not recorded in the file" },
        { "setting.taps", new string('x', 100_000), "taps: 'xxxxx" },
        { "setting.extra", "1", "extra: '1' in the file, not set in this run" },
    };

    [Theory]
    [MemberData(nameof(FieldEdits))]
    public void EachMetadataFieldRemovedOrWrongIsRefusedByNameEvenWhenTheDigestIsRecomputed(string key, string? value, string expected)
    {
        Samples().Save(PathOf("cache"), Settings());
        Rewrite(PathOf("cache"), metadata =>
        {
            if (value is null) metadata.Remove(key);
            else metadata[key] = value;
        }, resign: key != "sha256");

        var error = Assert.Throws<CheckpointFormatException>(() => SampledPixels.Load(PathOf("cache"), Settings()));

        Assert.Contains(expected, error.Message);
        Assert.Equal(PathOf("cache"), error.FilePath);
    }

    [Theory]
    [InlineData("epoch", "0", "'0' is not an integer in [1, 2147483647]")]
    [InlineData("epoch", "2147483648", "is not an integer in [1, 2147483647]")]
    [InlineData("epoch", "two", "'two' is not an integer")]
    [InlineData("epoch", null, "(stage B checkpoint, field 'epoch'): the field is missing")]
    [InlineData("setting.layer sizes", "5, 4, 3, 1", "layer sizes: '5, 4, 3, 1' in the file, '5, 4, 3' in this run")]
    public void CheckpointFieldsAreValidatedOneByOne(string key, string? value, string expected)
    {
        var (head, sgd) = Head();
        DenseCheckpoint.Save(PathOf("checkpoint"), head, sgd, 1, Settings());
        Rewrite(PathOf("checkpoint"), metadata =>
        {
            if (value is null) metadata.Remove(key);
            else metadata[key] = value;
        }, resign: true);

        var error = Assert.Throws<CheckpointFormatException>(() => DenseCheckpoint.Restore(PathOf("checkpoint"), head, sgd, Settings(), epochs: 3));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void TensorsOfTheWrongShapeOrNameAndNonFiniteValuesAreRefusedByName()
    {
        var (head, sgd) = Head();
        DenseCheckpoint.Save(PathOf("checkpoint"), head, sgd, 1, Settings());
        var original = SafetensorsFile.Read(PathOf("checkpoint"));

        void Check(Func<CheckpointTensor, CheckpointTensor?> edit, string expected)
        {
            var tensors = original.Tensors.Select(edit).OfType<CheckpointTensor>().ToList();
            var metadata = new Dictionary<string, string>(original.Metadata);
            Resign(metadata, tensors);
            SafetensorsFile.Write(PathOf("edited"), tensors, metadata);
            var error = Assert.Throws<CheckpointFormatException>(() => DenseCheckpoint.Restore(PathOf("edited"), head, sgd, Settings(), epochs: 3));
            Assert.Contains(expected, error.Message);
        }

        Check(t => t.Name == "layers.0.weight" ? CheckpointTensor.FromFloat32(t.Name, [5, 4], t.ToFloat32()) : t,
            "(stage B checkpoint, tensor 'layers.0.weight'): it is F32 [5, 4]; F32 [4, 5] was expected.");
        Check(t => t.Name == "std" ? CheckpointTensor.FromFloat32(t.Name, t.Shape, [1, 1, float.NaN, 1, 1]) : t,
            "(stage B checkpoint, tensor 'std'): element 2 is NaN; every value must be finite.");
        Check(t => t.Name == "std" ? CheckpointTensor.FromFloat32(t.Name, t.Shape, [1, 1, 0, 1, 1]) : t, "element 2 is 0; standard deviations must be positive.");
        Check(t => t.Name == "velocity.1.bias" ? null : t, "(stage B checkpoint, tensor 'velocity.1.bias'): the tensor is missing.");
        Check(t => t.Name == "mean" ? CheckpointTensor.FromBytes("Mean", t.DType, t.Shape, t.ToBytes()) : t, "tensor 'mean'): the tensor is missing.");
        Check(t => t.Name == "layers.1.bias" ? CheckpointTensor.FromBytes(t.Name, CheckpointDType.F16, [6], t.ToBytes()) : t, "it is F16 [6]; F32 [3] was expected.");
    }

    [Fact]
    public void ALabelBeyondTheClassesIsRefused()
    {
        var samples = Samples();
        samples.Labels[7] = 3;
        samples.Save(PathOf("cache"), Settings());

        var error = Assert.Throws<CheckpointFormatException>(() => SampledPixels.Load(PathOf("cache"), Settings()));

        Assert.Contains("(sample cache, field 'labels'): row 7 has label 3, but there are 3 classes.", error.Message);
    }

    [Fact]
    public void TheTrainerRefusesACacheAndACheckpointMadeWithOtherTapsAndReusesMatchingOnes()
    {
        string cache = PathOf("samples"), checkpoint = PathOf("stage-b");
        var options = new HypercolumnTrainerOptions { HiddenSizes = [4], SparseEpochs = 1, DenseEpochs = 1, SampleCachePath = cache, CheckpointPath = checkpoint };
        var log = new List<string>();
        HypercolumnHead Train(LabelledHypercolumns data) => new HypercolumnTraining(options, log.Add, CancellationToken.None).Train(data, null, seed: 1);

        Train(InMemoryHypercolumns.Default());
        Assert.True(File.Exists(cache) && File.Exists(checkpoint));
        Train(InMemoryHypercolumns.Default());
        Assert.Contains(log, line => line.StartsWith("Stage A: reusing the samples in", StringComparison.Ordinal));

        var otherTaps = new InMemoryHypercolumns(6, ["tapA", "tapB"], [3, 2], 3, seed: 1);
        var error = Assert.Throws<CheckpointFormatException>(() => Train(otherTaps));
        Assert.Contains("taps: 'tap0 (3 channels), tap1 (2 channels)' in the file, 'tapA (3 channels), tapB (2 channels)' in this run", error.Message);

        File.Delete(cache);
        var checkpointError = Assert.Throws<CheckpointFormatException>(() => Train(otherTaps));
        Assert.Equal(checkpoint, checkpointError.FilePath);
        Assert.Contains("stage B checkpoint was made with other settings", checkpointError.Message);
    }

    /// <summary>Rewrites a training file's metadata, recomputing its SHA-256 when <paramref name="resign"/>, as a file legitimately written so would be.</summary>
    internal static void Rewrite(string path, Action<Dictionary<string, string>> edit, bool resign)
    {
        var state = SafetensorsFile.Read(path);
        var tensors = state.Tensors.Select(t => CheckpointTensor.FromBytes(t.Name, t.DType, t.Shape, t.ToBytes())).ToList();
        var metadata = new Dictionary<string, string>(state.Metadata);
        edit(metadata);
        if (resign) Resign(metadata, tensors);
        SafetensorsFile.Write(path, tensors, metadata);
    }

    internal static void Resign(Dictionary<string, string> metadata, IReadOnlyList<CheckpointTensor> tensors) =>
        metadata[TrainingFile.DigestKey] = TrainingFile.Digest(metadata,
            tensors.Select(t => (t.Name, t.DType, t.Shape, t.DType == CheckpointDType.F32 ? (Array)t.ToFloat32() : t.ToBytes())));
}
