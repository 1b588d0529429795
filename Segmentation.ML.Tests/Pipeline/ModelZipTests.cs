using System.IO.Compression;
using Segmentation.ML.Data;

namespace Segmentation.ML.Tests.Pipeline;

public class ModelZipTests
{
    private readonly SegmentationContext context = new(seed: 3);

    private string SavePixelPrior()
    {
        var data = SyntheticScenes.View(5);
        var model = context.Trainers.PixelPrior(gridWidth: 8, gridHeight: 6).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"model-{Guid.NewGuid():N}.zip");
        context.Model.Save(model, data.Schema, path);
        return path;
    }

    [Fact]
    public void TruncatedModelIsRefusedWithATypedError()
    {
        string path = SavePixelPrior();
        try
        {
            var bytes = File.ReadAllBytes(path);
            foreach (int length in new[] { 0, 10, bytes.Length / 2, bytes.Length - 1 })
            {
                File.WriteAllBytes(path, bytes[..length]);
                var error = Assert.Throws<ModelFormatException>(() => context.Model.Load(path, out _));
                Assert.Equal(path, error.Path);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TamperedEntriesAreNamed()
    {
        string path = SavePixelPrior();
        try
        {
            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                zip.GetEntry("steps/00/tensors.safetensors")!.Delete();
                using var writer = new StreamWriter(zip.CreateEntry("steps/00/tensors.safetensors").Open());
                writer.Write("not safetensors at all");
            }
            var error = Assert.Throws<ModelFormatException>(() => context.Model.Load(path, out _));
            Assert.Equal("steps/00/tensors.safetensors", error.Entry);

            using (var zip = ZipFile.Open(path, ZipArchiveMode.Update))
            {
                zip.GetEntry("manifest.json")!.Delete();
                using var writer = new StreamWriter(zip.CreateEntry("manifest.json").Open());
                writer.Write("""{"format": "segml-model", "format_version": 99, "steps": []}""");
            }
            var newer = Assert.Throws<ModelFormatException>(() => context.Model.Load(path, out _));
            Assert.Contains("version 99", newer.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void UnregisteredComponentKindIsExplained()
    {
        string path = Path.Combine(Path.GetTempPath(), $"custom-{Guid.NewGuid():N}.zip");
        try
        {
            context.Model.Save(new CustomStep("test.UnregisteredStep"), SyntheticScenes.View(1).Schema, path);
            var error = Assert.Throws<ModelFormatException>(() => context.Model.Load(path, out _));
            Assert.Contains("ModelComponents.Register(\"test.UnregisteredStep\"", error.Message);

            ModelComponents.Register("test.UnregisteredStep", load => new CustomStep(load.Kind, load.GetTensor("weights", 2)));
            var loaded = (CustomStep)context.Model.Load(path, out _).Single();
            Assert.Equal(new[] { 1f, 2f }, loaded.Weights);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void InterruptedSaveLeavesNoFileBehind()
    {
        string folder = Directory.CreateTempSubdirectory("interrupted-save").FullName;
        try
        {
            string path = Path.Combine(folder, "model.zip");
            var chain = new TransformerChain<ITransformer>([new CustomStep("test.Fine"), new CustomStep("test.Broken", fail: true)]);
            Assert.Throws<IOException>(() => context.Model.Save(chain, SyntheticScenes.View(1).Schema, path));
            Assert.Empty(Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class CustomStep(string kind, float[]? weights = null, bool fail = false) : ITransformer
    {
        public float[] Weights { get; } = weights ?? [1f, 2f];

        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;

        public IDataView Transform(IDataView input) => input;

        public void Save(ModelSaveContext context)
        {
            if (fail) throw new IOException("The disk filled up (simulated).");
            context.SetKind(kind);
            context.AddTensor("weights", Weights, 2);
        }
    }
}
