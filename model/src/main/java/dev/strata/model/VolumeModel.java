package dev.strata.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * The trained volume model: a small multilayer perceptron (ReLU hidden layers, one linear output)
 * on PyTorch through DJL, with the {@link Scaling} and {@link FeatureSpec} it was trained with.
 *
 * <p><b>{@code model.bin}</b> is one self-describing file:
 *
 * <pre>
 *   8 bytes   magic "STRATAVM"
 *   int32     format version (1)
 *   int32     header length H, then H bytes of UTF-8 JSON: feature_spec (names, version,
 *             transforms), scaling, network (hidden sizes, activation), metadata (training facts)
 *   int32     parameter length P, then P bytes: the network's parameters as DJL's
 *             Block.saveParameters writes them
 *   int64     CRC-32 of every byte before it
 * </pre>
 *
 * (integers big-endian). Loading checks the magic, version, checksum and that the stored feature
 * names equal this build's {@link FeatureSpec#NAMES}, so a truncated file, a file from another
 * program or a model for other features is refused with a message saying which.
 *
 * <p>Thread safety: a {@code VolumeModel} may be shared; a {@link Predictor} from {@link
 * #newPredictor()} may not (DJL predictors are not thread-safe), so give each thread its own.
 */
public final class VolumeModel implements AutoCloseable {
  public static final String FILE_NAME = "model.bin";
  static final int FORMAT = 1;
  private static final byte[] MAGIC = "STRATAVM".getBytes(StandardCharsets.US_ASCII);
  private static final long MAX_FILE_BYTES = 64L << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Model model;
  private final Scaling scaling;
  private final int[] hidden;
  private final ObjectNode metadata;
  private final byte[] parameters;

  private VolumeModel(Model model, Scaling scaling, int[] hidden, ObjectNode metadata, byte[] p) {
    this.model = model;
    this.scaling = scaling;
    this.hidden = hidden;
    this.metadata = metadata;
    this.parameters = p;
  }

  /** The network: {@code 2 → hidden[0] → … → 1}, ReLU after each hidden layer. */
  public static SequentialBlock network(int[] hidden) {
    SequentialBlock block = new SequentialBlock();
    for (int units : hidden) {
      if (units < 1) {
        throw new IllegalArgumentException("hidden layer sizes must be >= 1, but were " + units);
      }
      block.add(Linear.builder().setUnits(units).build());
      block.add(Activation.reluBlock());
    }
    block.add(Linear.builder().setUnits(1).build());
    return block;
  }

  /** Serialises a trained block's parameters, as stored in {@code model.bin}. */
  public static byte[] parametersOf(Block block) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    }
    return bytes.toByteArray();
  }

  /** A model from trained parameters (as {@link #parametersOf} wrote them). */
  public static VolumeModel of(
      Scaling scaling, int[] hidden, byte[] parameters, ObjectNode metadata) throws IOException {
    Model model = Model.newInstance("volume", "PyTorch");
    try {
      SequentialBlock block = network(hidden);
      block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, FeatureSpec.SIZE));
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
        block.loadParameters(model.getNDManager(), in);
      } catch (MalformedModelException e) {
        throw new IOException(
            "model parameters do not fit the network " + Arrays.toString(hidden), e);
      }
      model.setBlock(block);
      return new VolumeModel(model, scaling, hidden.clone(), metadata.deepCopy(), parameters);
    } catch (IOException | RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Reads and checks a {@code model.bin}. */
  public static VolumeModel load(Path file) throws IOException {
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IOException(
          file + " is " + size + " bytes; a model.bin is at most " + MAX_FILE_BYTES);
    }
    return load(Files.readAllBytes(file), file.toString());
  }

  /**
   * Reads and checks a {@code model.bin} already in memory ({@code source} names it in errors): for
   * callers that also hash or keep the exact bytes they loaded.
   */
  public static VolumeModel load(byte[] all, String source) throws IOException {
    String file = source;
    ByteBuffer buf = ByteBuffer.wrap(all);
    try {
      byte[] magic = new byte[MAGIC.length];
      buf.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(file + " is not a strata model.bin (wrong magic bytes)");
      }
      int format = buf.getInt();
      if (format != FORMAT) {
        throw new IOException(
            file + " has model.bin format " + format + "; this build reads format " + FORMAT);
      }
      byte[] header = new byte[checkedLength(buf.getInt(), buf, file)];
      buf.get(header);
      byte[] params = new byte[checkedLength(buf.getInt(), buf, file)];
      buf.get(params);
      int checked = buf.position();
      long stored = buf.getLong();
      CRC32 crc = new CRC32();
      crc.update(all, 0, checked);
      if (crc.getValue() != stored || buf.hasRemaining()) {
        throw new IOException(file + " is corrupt or truncated (checksum mismatch)");
      }
      JsonNode h = JSON.readTree(header);
      JsonNode spec = h.path("feature_spec");
      java.util.List<String> names = new java.util.ArrayList<>();
      spec.path("names").forEach(n -> names.add(n.asText()));
      if (!names.equals(FeatureSpec.NAMES) || spec.path("version").asInt() != FeatureSpec.VERSION) {
        throw new IOException(
            file
                + " was trained on features "
                + names
                + " (spec version "
                + spec.path("version").asInt()
                + "); this build expects "
                + FeatureSpec.NAMES
                + " (version "
                + FeatureSpec.VERSION
                + ")");
      }
      Scaling scaling = JSON.treeToValue(h.path("scaling"), Scaling.class);
      int[] hidden = JSON.treeToValue(h.path("network").path("hidden"), int[].class);
      ObjectNode metadata =
          h.path("metadata").isObject() ? (ObjectNode) h.path("metadata") : JSON.createObjectNode();
      return of(scaling, hidden, params, metadata);
    } catch (java.nio.BufferUnderflowException e) {
      throw new IOException(file + " is truncated", e);
    }
  }

  private static int checkedLength(int n, ByteBuffer buf, String file) throws IOException {
    if (n < 0 || n > buf.remaining()) {
      throw new IOException(file + " is corrupt or truncated (bad section length " + n + ")");
    }
    return n;
  }

  /**
   * Writes {@code model.bin} atomically: to a temporary sibling first, then renamed over {@code
   * file}, so a reader (the API watching the file) never sees half a model.
   */
  public void save(Path file) throws IOException {
    ObjectNode h = JSON.createObjectNode();
    ObjectNode spec = h.putObject("feature_spec");
    spec.put("version", FeatureSpec.VERSION);
    FeatureSpec.NAMES.forEach(spec.putArray("names")::add);
    spec.put("transform", FeatureSpec.TRANSFORM);
    spec.put("target", FeatureSpec.TARGET);
    spec.put("target_transform", FeatureSpec.TARGET_TRANSFORM);
    h.set("scaling", JSON.valueToTree(scaling));
    ObjectNode net = h.putObject("network");
    Arrays.stream(hidden).forEach(net.putArray("hidden")::add);
    net.put("activation", "relu");
    net.put("engine", "PyTorch");
    h.set("metadata", metadata);
    byte[] header = JSON.writeValueAsBytes(h);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(MAGIC);
      out.writeInt(FORMAT);
      out.writeInt(header.length);
      out.write(header);
      out.writeInt(parameters.length);
      out.write(parameters);
      CRC32 crc = new CRC32();
      crc.update(bytes.toByteArray());
      out.writeLong(crc.getValue());
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      Files.write(tmp, bytes.toByteArray());
      if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
        // createTempFile makes it owner-only; a model is as readable as the other outputs.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** A new predictor; not thread-safe, close it after use. */
  public VolumePredictor newPredictor() {
    return new VolumePredictor(model.newPredictor(new VolumeTranslator(scaling)));
  }

  /** Predicts a batch with a short-lived predictor (convenient, not the fast path). */
  public long[] predict(FeatureBatch batch) throws TranslateException {
    try (VolumePredictor p = newPredictor()) {
      return p.predict(batch);
    }
  }

  public Scaling scaling() {
    return scaling;
  }

  public int[] hidden() {
    return hidden.clone();
  }

  /** Training facts stored with the model (split, epochs, losses, data fingerprint, ...). */
  public JsonNode metadata() {
    return metadata.deepCopy();
  }

  /** Number of trainable values in the network. */
  public long parameterCount() {
    return parameterCount(hidden);
  }

  /** Number of trainable values in a network with these hidden layers. */
  public static long parameterCount(int[] hidden) {
    long n = 0;
    int in = FeatureSpec.SIZE;
    for (int h : hidden) {
      n += (long) in * h + h;
      in = h;
    }
    return n + in + 1;
  }

  @Override
  public void close() {
    model.close();
  }
}
