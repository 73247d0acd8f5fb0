package dev.strata.transforms.market;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.util.List;
import org.junit.Test;

public class SymbolMetadataTest {
  @Test
  public void parsesTheRealFormat() {
    String csv =
        "Nasdaq Traded,Symbol,Security Name,Listing Exchange,Market Category,ETF,"
            + "Round Lot Size,Test Issue,Financial Status,CQS Symbol,NASDAQ Symbol,NextShares\r\n"
            + "Y,A,\"Agilent Technologies, Inc. Common Stock\",N, ,N,100,N,,A,A,N\r\n"
            + "Y,AA,Alcoa Corporation Common Stock ,N, ,N,100,N,,AA,AA,N\r\n"
            + "Y,AGM$A,\"Federal Agricultural \"\"Farmer Mac\"\"\",N, ,N,100,N,,AGM$A,AGM-A,N\r\n"
            + "Y,NONAME,,N, ,N,100,N,,NONAME,NONAME,N";
    List<SymbolMetadata> rows = SymbolMetadata.parseCsv(csv);
    assertEquals(4, rows.size());
    assertEquals(
        new SymbolMetadata("A", "A", "Agilent Technologies, Inc. Common Stock"), rows.get(0));
    assertEquals("Alcoa Corporation Common Stock", rows.get(1).securityName()); // trimmed
    assertEquals("AGM-A", rows.get(2).nasdaqSymbol());
    assertEquals("AGM$A", rows.get(2).symbol());
    assertEquals("Federal Agricultural \"Farmer Mac\"", rows.get(2).securityName());
    assertNull(rows.get(3).securityName());
  }

  @Test
  public void headerWithoutSymbolIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> SymbolMetadata.parseCsv("a,b\n1,2\n"));
  }

  @Test
  public void emptyMetadataOrOneWithoutNasdaqSymbolIsAnError() {
    for (String csv :
        new String[] {
          "", "\n\r\n", "Symbol,Security Name,NASDAQ Symbol\n", "Symbol,Security Name\nA,Agilent\n"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> SymbolMetadata.parseCsv(csv));
      org.junit.Assert.assertTrue(
          e.getMessage(),
          e.getMessage().contains("empty")
              || e.getMessage().contains("no rows")
              || e.getMessage().contains("'NASDAQ Symbol'"));
    }
  }
}
