using Google.Protobuf;
using Onnx;
using Segmentation.ML.Models;

namespace Segmentation.ML.Onnx;

/// <summary>
/// The ImageNet ResNet-18 of ML.NET's DnnImageFeaturizer: where its files are and how they become a backbone.
/// The NuGet package <see cref="PackageId"/> ships <c>tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx</c> (exported by
/// CNTK 2.6, opset 8, a fixed 1×3×224×224 input, the 512-d average-pooled feature out) and
/// <c>ResNetPrepOnnx/ResNetPreprocess.onnx</c> (BGR, minus a mean image), and its build targets copy both to the
/// output folder's <c>DnnImageModels/</c>, where ML.NET's <c>ResNet18</c> extension finds them next to its assembly.
/// </summary>
/// <remarks>
/// CNTK's network has torchvision's ResNet-18 blocks with one more basic block in layer4 (2, 2, 2, 3 blocks;
/// 22 convolutions, 9 residual sums). Its layers are recognised by the graph's topology, not by CNTK's generated
/// names (<c>Parameter91</c>, <c>Convolution249_Output_0</c>): see <see cref="CntkResNetReader"/>.
/// </remarks>
public static class MLNetResNet18
{
    /// <summary>The NuGet package that ships the files.</summary>
    public const string PackageId = "Microsoft.ML.DnnImageFeaturizer.ResNet18";

    /// <summary>The version this library references and reads.</summary>
    public const string PackageVersion = "0.23.1";

    /// <summary>The folder name ML.NET uses under the application's folder (and the package's <c>tools/</c>).</summary>
    public const string ModelsFolderName = "DnnImageModels";

    /// <summary>The network, relative to the <c>DnnImageModels</c> folder.</summary>
    public static readonly string ModelFile = Path.Combine("ResNet18Onnx", "ResNet18.onnx");

    /// <summary>The preprocessing, relative to the <c>DnnImageModels</c> folder.</summary>
    public static readonly string PreprocessFile = Path.Combine("ResNetPrepOnnx", "ResNetPreprocess.onnx");

    /// <summary>
    /// Where the files are looked for, in order: the application's folder (<see cref="AppContext.BaseDirectory"/>)
    /// and this library's folder, each + <c>DnnImageModels</c>, as ML.NET looks; then the package in the NuGet
    /// cache (<c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>) under <c>tools/DnnImageModels</c>.
    /// </summary>
    public static IReadOnlyList<string> SearchFolders()
    {
        var folders = new List<string> { Path.Combine(AppContext.BaseDirectory, ModelsFolderName) };
        if (Path.GetDirectoryName(typeof(MLNetResNet18).Assembly.Location) is { Length: > 0 } library)
            folders.Add(Path.Combine(library, ModelsFolderName));
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        folders.Add(Path.Combine(packages, PackageId.ToLowerInvariant(), PackageVersion, "tools", ModelsFolderName));
        return folders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The first of <paramref name="folders"/> (default: <see cref="SearchFolders"/>) that holds both files.</summary>
    /// <exception cref="PretrainedModelNotFoundException">None does; the message lists them and names the package to restore.</exception>
    public static string FindFolder(IReadOnlyList<string>? folders = null)
    {
        folders ??= SearchFolders();
        foreach (var folder in folders)
            if (File.Exists(Path.Combine(folder, ModelFile)) && File.Exists(Path.Combine(folder, PreprocessFile))) return folder;
        throw new PretrainedModelNotFoundException(
            $"ML.NET's pretrained ResNet-18 ({ModelFile} and {PreprocessFile}) is in none of: {string.Join("; ", folders)}. " +
            $"It comes with the NuGet package {PackageId} {PackageVersion}: run 'dotnet restore' (or build) in a project that references it, " +
            $"as Segmentation.ML does, or add it with 'dotnet add package {PackageId} --version {PackageVersion}'.",
            PackageId, PackageVersion, folders);
    }

    /// <summary>Reads both files of <paramref name="folder"/> (null: <see cref="FindFolder"/>) into a backbone layout.</summary>
    /// <exception cref="PretrainedModelNotFoundException">The files are not there.</exception>
    /// <exception cref="ModelFormatException">A file is not the package's network or preprocessing; the message names the file and what differs.</exception>
    internal static BackboneLayout Load(string? folder)
    {
        folder = folder is null ? FindFolder() : FindFolder([Path.GetFullPath(folder)]);
        string modelPath = Path.Combine(folder, ModelFile), preprocessPath = Path.Combine(folder, PreprocessFile);
        var normalization = CntkResNetReader.ReadPreprocessing(Parse(preprocessPath), preprocessPath);
        var (parameters, inputHeight, inputWidth) = CntkResNetReader.ReadNetwork(Parse(modelPath), modelPath);
        if (inputHeight != normalization.Height || inputWidth != normalization.Width)
            throw new ModelFormatException($"{modelPath} takes {inputWidth}×{inputHeight} images but the mean image of {preprocessPath} is {normalization.Width}×{normalization.Height}.", modelPath);
        BackboneLayout layout;
        try
        {
            layout = ResNetLayout.FromParameters(parameters, "resnet18", normalization);
        }
        catch (ModelLoadException error)
        {
            throw new ModelFormatException($"{modelPath} does not make a ResNet: {error.Message}", modelPath, inner: error);
        }
        int[] blocks = ResNetLayout.BlockCounts(layout);
        int[] widths = layout.DefaultTaps.Select(t => layout.Taps[layout.StageOf(t)].Channels).ToArray();
        if (!blocks.SequenceEqual([2, 2, 2, 3]) || !widths.SequenceEqual([64, 64, 128, 256, 512]))
            throw new ModelFormatException($"{modelPath} is a ResNet with {string.Join(", ", blocks)} blocks and {string.Join(", ", widths)} channels at relu, layer1 … layer4; " +
                $"the ResNet-18 of {PackageId} {PackageVersion} has 2, 2, 2, 3 blocks and 64, 64, 128, 256, 512 channels.", modelPath);
        return layout;
    }

    private static ModelProto Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException error)
        {
            throw new ModelFormatException($"{path} is not an ONNX model: {error.Message}", path, inner: error);
        }
    }
}
